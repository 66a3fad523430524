import { startDeepgramEmulator } from '../../src/emulator/index.js';
import { createTestDatabase } from './database.js';
import type { SharedParts } from './stack.js';
import { EMULATOR_KEY } from './stack.js';
import { startTestTemporal } from './temporal.js';

/** Real Temporal, a fresh PostgreSQL database and a Deepgram emulator for one test file. */
export async function startSharedParts(emulatorOptions: Parameters<typeof startDeepgramEmulator>[0] = {}) {
  const [temporal, database, emulator] = await Promise.all([
    startTestTemporal(),
    createTestDatabase(),
    startDeepgramEmulator({ apiKey: EMULATOR_KEY, ...emulatorOptions }),
  ]);
  const parts: SharedParts = { temporal, db: database.db, databaseUrl: database.url, emulator };
  return {
    parts,
    async stop() {
      await emulator.close();
      await database.drop();
      await temporal.teardown();
    },
  };
}
