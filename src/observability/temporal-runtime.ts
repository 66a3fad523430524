import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's own logs (worker, bundler, Rust core) into our JSON logger, at warn and
 * above by default: the SDK's info lines (webpack stats, state changes) would drown the app's own.
 * Must run before any Worker or NativeConnection exists.
 */
export function installTemporalRuntime(logger: Logger, options: { level?: LogLevel; prometheusPort?: number } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(options.level ?? 'WARN', (entry) => {
      // Activity-only workers (the Deepgram queue, live relays) poll no workflows by design.
      const level = entry.message.startsWith('No workflows registered') ? 'debug' : LEVELS[entry.level];
      logger[level]({ ...entry.meta, component: 'temporal-sdk' }, entry.message);
    }),
    // The SDK's own worker metrics (task slots, poll latency, activity failures…) on a Prometheus endpoint of their own.
    ...(options.prometheusPort
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${options.prometheusPort}` } } } }
      : {}),
  });
}
