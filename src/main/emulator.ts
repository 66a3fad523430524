/**
 * `npm run emulator`: runs the Deepgram-protocol emulator as a standalone server.
 * Point DEEPGRAM_API_URL at the printed URL and use EMULATOR_API_KEY as the Deepgram key.
 */
import { loadConfig } from '../config.js';
import { startDeepgramEmulator } from '../emulator/index.js';
import { createLogger } from '../observability/logger.js';
import { chooseEmulatorEngine, describeEngine } from './emulator-engine.js';

const config = loadConfig();
const logger = createLogger({ level: config.log.level, name: 'deepgram-emulator' });

const choice = await chooseEmulatorEngine(config, { installIfMissing: true });
const emulator = await startDeepgramEmulator({
  ...choice.options,
  port: config.emulator.port,
  host: config.emulator.host,
  apiKey: config.emulator.apiKey,
  logger: {
    info: (...args: unknown[]) => logger.info(...(args as [object, string])),
    warn: (...args: unknown[]) => logger.warn(...(args as [object, string])),
  },
});

console.log(`Deepgram emulator listening on ${emulator.url} (REST POST /v1/listen, live WS /v1/listen and /v2/listen, admin /_emulator/*)`);
console.log(
  emulator.engine
    ? `Unregistered audio gets ${describeEngine(emulator.engine)}.`
    : `Unregistered audio gets SYNTHETIC words.${choice.missing ? ` For real words offline: ${choice.missing}` : ''}`,
);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping Deepgram emulator');
  emulator.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'failed to close the Deepgram emulator');
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
