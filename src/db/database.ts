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
  /**
   * PostgreSQL only. connectMs: giving up on a new connection; queryMs: on a query (the server cancels it a little
   * earlier, statement_timeout; the client gives up at queryMs even when the server cannot say so, and drops that
   * connection). A database that stops answering then fails requests within seconds instead of hanging them.
   */
  timeouts?: DbTimeouts;
}

export interface DbTimeouts {
  connectMs: number;
  queryMs: number;
}

// timestamptz comes back as Date; bigint/numeric stay strings unless we say otherwise.
pg.types.setTypeParser(pg.types.builtins.FLOAT8, (v) => Number.parseFloat(v));

export interface OpenedDb {
  db: Db;
  kind: 'postgres' | 'pglite';
  describe: string;
  /** Applies pending migrations; with PostgreSQL on a connection of their own, free of the query timeouts. */
  migrate(): Promise<string[]>;
}

export async function createDb(options: DbOptions): Promise<OpenedDb> {
  if (options.url) {
    const { timeouts } = options;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      ...(timeouts
        ? {
            connectionTimeoutMillis: timeouts.connectMs,
            query_timeout: timeouts.queryMs,
            statement_timeout: Math.max(1, timeouts.queryMs - STATEMENT_TIMEOUT_HEADROOM_MS),
            idle_in_transaction_session_timeout: timeouts.queryMs * 2,
            keepAlive: true,
          }
        : {}),
    });
    // A client's connection dying (the server restarting, a network cut) must never crash the process. Idle clients
    // report it to the pool, which replaces them; a checked-out client between queries (mid-transaction) would
    // emit it with no listener, so every client gets one: its next query fails instead, and the pool drops it.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: timeouts ? dropTimedOutClients(pool) : pool }) });
    const url = options.url;
    return {
      db,
      kind: 'postgres',
      describe: redactUrl(url),
      async migrate() {
        const own = (await createDb({ url, dataDir: options.dataDir, maxConnections: 1 })).db;
        try {
          return await migrateToLatest(own);
        } finally {
          await own.destroy();
        }
      },
    };
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
  return { db, kind: 'pglite', describe: `embedded PGlite at ${dir}`, migrate: () => migrateToLatest(db) };
}

const STATEMENT_TIMEOUT_HEADROOM_MS = 500;

/**
 * A client whose query the client side gave up on (`Query read timeout`: the server did not answer at all) may still
 * get that answer later, out of step with its next query: it goes back to the pool as broken, and the pool closes it.
 */
function dropTimedOutClients(pool: pg.Pool): pg.Pool {
  // The pool itself, its connect() replaced: a wrapper object would split the pool's own state (end() would hang).
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  const watched = async (): Promise<pg.PoolClient> => {
    const client = (await connect())!;
    let broken: Error | undefined;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const release = client.release.bind(client);
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const pending = query(...args);
      // Only the promise form (text and values) is watched; cursors and callbacks are passed through.
      if (typeof args[0] !== 'string' || !(pending instanceof Promise)) return pending;
      return pending.catch((err: unknown) => {
        if ((err as Error)?.message === 'Query read timeout') broken = err as Error;
        throw err;
      });
    };
    client.release = (err?: Error | boolean) => {
      const reason = err || broken;
      // One checkout, one set of overrides: the next checkout wraps afresh.
      (client as { query: unknown }).query = query;
      client.release = release;
      release(reason);
    };
    return client;
  };
  // The callback form (pool.query uses it internally) is passed through as it is.
  (pool as { connect: unknown }).connect = (callback?: unknown) => (typeof callback === 'function' ? connect(callback) : watched());
  return pool;
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
