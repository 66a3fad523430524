/**
 * `npm run local-engine`: Deepgram's protocol (REST and live `/v1/listen`) answered by the local Whisper engine,
 * as a service of its own. List it after the real endpoints in DEEPGRAM_API_URL and it is the last-resort failover:
 * when every Deepgram endpoint is unreachable or answering 5xx, work is transcribed locally instead of waiting.
 * Unlike `npm run emulator` it never makes up words (no engine, no start) and serves no admin API unless
 * LOCAL_ENGINE_FAULTS=true (fault injection for tests).
 */
import { loadConfig } from '../config.js';
import { startDeepgramEmulator } from '../emulator/index.js';
import { createLogger } from '../observability/logger.js';
import { chooseEmulatorEngine, describeEngine } from './emulator-engine.js';

const config = loadConfig();
const logger = createLogger({ level: config.log.level, name: 'local-engine' });

const choice = await chooseEmulatorEngine({ ...config, emulator: { ...config.emulator, engine: 'whisper' } }, { installIfMissing: true });
const { port, host, apiKey, faults } = config.localEngine;
const engine = await startDeepgramEmulator({
  ...choice.options,
  port,
  host,
  apiKey: apiKey ?? null,
  admin: faults,
  logger: {
    info: (...args: unknown[]) => logger.info(...(args as [object, string])),
    warn: (...args: unknown[]) => logger.warn(...(args as [object, string])),
  },
});

console.log(`Local engine listening on ${engine.url}: Deepgram's /v1/listen (REST and WebSocket) and /v2/listen (Flux) with ${describeEngine(engine.engine)}.`);
console.log(
  `${apiKey ? 'Requests must carry LOCAL_ENGINE_API_KEY.' : 'Any API key is accepted (LOCAL_ENGINE_API_KEY is unset): keep it on a private address.'}` +
    ` Fault injection: ${faults ? 'ON (/_emulator/*)' : 'off'}.`,
);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping the local engine');
  engine.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'failed to close the local engine');
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
