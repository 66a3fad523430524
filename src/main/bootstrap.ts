import { ConfigError, DEEPGRAM_PUBLIC_API_URL, loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { OpenApiRefusedError } from '../runtime/exposure.js';

/** Loads config or exits with the one-line reason; every entry point starts here. */
export function bootstrap(name: string): { config: Config; logger: Logger } {
  try {
    const config = loadConfig(process.env);
    return { config, logger: createLogger({ level: config.log.level, name }) };
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

/** Start-up refusals (an open API on a public address) end the process with their message; anything else is a crash. */
export function failOnRefusal(err: unknown): never {
  if (err instanceof OpenApiRefusedError) fail(err.message);
  throw err;
}

export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits. A second signal exits at once. */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

/** The separate entry points share their payload keys through configuration: a key of their own would split histories. */
export function requirePayloadKeys(config: Config, entryPoint: string): void {
  if (config.temporal.payloadKeys.length > 0) return;
  fail(
    `npm run ${entryPoint} needs PAYLOAD_ENCRYPTION_KEYS (keyId:base64 of 32 bytes, e.g. k1:$(openssl rand -base64 32)), the same in every process: ` +
      'Temporal payloads are encrypted. Only `npm start` makes a local key of its own.',
  );
}

/** Deepgram endpoints and key from config; the public API when only a key is given. */
export function deepgramTarget(config: Config): { apiUrls: string[]; apiKey?: string } | null {
  if (config.deepgram.apiUrls.length > 0) return { apiUrls: config.deepgram.apiUrls, apiKey: config.deepgram.apiKey };
  if (config.deepgram.apiKey) return { apiUrls: [DEEPGRAM_PUBLIC_API_URL], apiKey: config.deepgram.apiKey };
  return null;
}
