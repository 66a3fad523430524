import { createDb, migrateToLatest } from '../db/database.js';
import { bootstrap } from './bootstrap.js';

const { config, logger } = bootstrap('migrate');
const { db, describe } = await createDb({ url: config.db.url, dataDir: config.dataDir });
try {
  const applied = await migrateToLatest(db);
  logger.info({ database: describe, applied }, applied.length ? 'migrations applied' : 'database already up to date');
} finally {
  await db.destroy();
}
