import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '../db/database.js';
import { findTenant } from '../db/repositories/tenants.repository.js';
import { AppError } from '../domain/errors.js';
import { keyView } from '../http/routes/admin.js';
import { createTenantsService } from '../services/tenants.service.js';
import { bootstrap, fail } from './bootstrap.js';

const USAGE = `usage: npm run keys -- <command>
  create --tenant <name> [--name <key name>] [--rate-limit <per minute>] [--monthly-audio-seconds <s>]
         [--max-live-sessions <n>] [--region <region>]      a new key (and its tenant, if new); prints the secret once
  list [--tenant <name>]                                    every key, without secrets
  revoke <key id>                                           the key stops working everywhere within KEY_CACHE_MS
  rotate <key id>                                           a new secret for the same key; prints it once
  tenants                                                   every tenant
Works on DATABASE_URL (the same database as the API). Under \`npm start\` with its embedded database, stop it first
or use the admin API (ADMIN_API_KEY).`;

const [command, ...rest] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h') fail(USAGE);
const { config } = bootstrap('keys');
const { db } = await createDb({ url: config.db.url, dataDir: config.dataDir, maxConnections: 2 });
const tenants = createTenantsService({ db, regions: Object.keys(config.regions.endpoints) });
const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
const whole = (value: string | undefined, name: string) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`keys: --${name} must be a number of 0 or more`);
  return n;
};

try {
  await migrateToLatest(db);
  switch (command) {
    case 'create': {
      const { values } = parseArgs({
        args: rest,
        options: {
          tenant: { type: 'string' },
          name: { type: 'string' },
          'rate-limit': { type: 'string' },
          'monthly-audio-seconds': { type: 'string' },
          'max-live-sessions': { type: 'string' },
          region: { type: 'string' },
        },
      });
      if (!values.tenant) fail(`keys create needs --tenant\n\n${USAGE}`);
      let webhookSecret: string | undefined;
      if (!(await findTenant(db, values.tenant))) webhookSecret = (await tenants.createTenant(values.tenant)).webhookSecret;
      const rateLimit = whole(values['rate-limit'], 'rate-limit');
      const budget = whole(values['monthly-audio-seconds'], 'monthly-audio-seconds');
      const maxLive = whole(values['max-live-sessions'], 'max-live-sessions');
      const { key, secret } = await tenants.createKey({
        tenant: values.tenant,
        ...(values.name ? { name: values.name } : {}),
        ...(rateLimit !== undefined ? { rateLimitPerMinute: Math.floor(rateLimit) } : {}),
        ...(budget !== undefined ? { monthlyAudioSeconds: budget } : {}),
        ...(maxLive !== undefined ? { maxLiveSessions: Math.floor(maxLive) } : {}),
        ...(values.region ? { region: values.region } : {}),
      });
      print({ ...keyView(key), secret, ...(webhookSecret ? { tenant_webhook_secret: webhookSecret } : {}) });
      console.error('The secret is shown once: clients send "Authorization: Token <secret>".');
      break;
    }
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { tenant: { type: 'string' } } });
      print((await tenants.listKeys(values.tenant ? { tenant: values.tenant } : {})).map(keyView));
      break;
    }
    case 'revoke': {
      if (!rest[0]) fail('usage: npm run keys -- revoke <key id>');
      print(keyView(await tenants.revokeKey(rest[0])));
      break;
    }
    case 'rotate': {
      if (!rest[0]) fail('usage: npm run keys -- rotate <key id>');
      const { key, secret } = await tenants.rotateKey(rest[0]);
      print({ ...keyView(key), secret });
      console.error('The old secret stops working within KEY_CACHE_MS; the new one is shown once.');
      break;
    }
    case 'tenants':
      print((await tenants.listTenants()).map((t) => ({ id: t.id, name: t.name, created_at: t.createdAt.toISOString() })));
      break;
    default:
      fail(`keys: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  }
} catch (err) {
  if (err instanceof AppError) fail(`keys: ${err.message}`);
  throw err;
} finally {
  await db.destroy();
}
