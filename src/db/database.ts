import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';

export type Db = Kysely<Database>;

export interface DbOptions {
  /** A postgres:// URL; without one an embedded PGlite database is kept under `dataDir`. */
  url?: string;
  dataDir: string;
  maxConnections?: number;
}

// timestamptz comes back as Date; bigint/numeric stay strings unless we say otherwise.
pg.types.setTypeParser(pg.types.builtins.FLOAT8, (v) => Number.parseFloat(v));

export async function createDb(options: DbOptions): Promise<{ db: Db; kind: 'postgres' | 'pglite'; describe: string }> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    // A client's connection dying (the server restarting, a network cut) must never crash the process. Idle clients
    // report it to the pool, which replaces them; a checked-out client between queries (mid-transaction) would
    // emit it with no listener, so every client gets one: its next query fails instead, and the pool drops it.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', describe: redactUrl(options.url) };
  }
  // Loaded lazily: PGlite is only needed for the embedded single-machine setup.
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('kysely-pglite-dialect'),
  ]);
  const dir = path.resolve(options.dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', describe: `embedded PGlite at ${dir}` };
}

/** A PostgreSQL interval of `seconds` (fractions kept), for `now() ± …` in queries. */
export function secondsInterval(seconds: number) {
  return sql`make_interval(secs => ${seconds}::double precision)`;
}

/**
 * Runs `work` in a transaction holding advisory lock `key`, so the same check-then-write from every process (API
 * replicas, workers) happens one at a time. The lock ends with the transaction.
 */
export function withAdvisoryLock<T>(db: Db, key: number, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${key}::bigint)`.execute(tx);
    return work(tx);
  });
}

/** For readiness checks: whether the database answers a trivial query. */
export function isDatabaseReachable(db: Db): Promise<boolean> {
  return sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
