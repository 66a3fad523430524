import { parseArgs } from 'node:util';
import { z } from 'zod';

/** What one run of `transcribe` was asked to do: its command, arguments, and where and how to reach the API. */
export interface CliOptions {
  command: 'transcribe' | 'jobs' | 'get' | 'live' | 'help';
  target?: string;
  url: string;
  key?: string;
  format: 'txt' | 'srt' | 'vtt' | 'json';
  /** `stream`: the URL is a live audio stream (an internet radio), transcribed as it plays. */
  mode: 'sync' | 'async' | 'stream';
  /** --max-duration: a stream is transcribed for at most this many seconds. */
  maxDurationSeconds?: number;
  webhook?: string;
  wait: boolean;
  limit: number;
  /** Progress on stderr: bars on a terminal, a line per step otherwise, none with --quiet. */
  quiet: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage:
  transcribe <file|url> [--format txt|srt|vtt|json] [--mode sync|async] [--webhook URL] [--wait]
  transcribe <url> --mode stream [--max-duration SECONDS] [--wait]
                                    a URL that is a live stream (an internet radio), transcribed as it plays
  transcribe jobs [--limit N]
  transcribe get <id> [--format txt|srt|vtt|json]
  transcribe live <file|->          stream a file (or stdin) as a live session; prints finals as they come
Options: --url (or TRANSCRIBE_URL, default http://127.0.0.1:3000), --key (or TRANSCRIBE_API_KEY), --quiet`;

const Env = z.object({ TRANSCRIBE_URL: z.string().url().optional(), TRANSCRIBE_API_KEY: z.string().min(1).optional() });

/** Reads the command line and the two environment variables the CLI knows; nothing else reads either. */
export function readCliOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        format: { type: 'string', default: 'txt' },
        mode: { type: 'string' },
        webhook: { type: 'string' },
        'max-duration': { type: 'string' },
        wait: { type: 'boolean', default: false },
        limit: { type: 'string', default: '20' },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const fromEnv = Env.safeParse({ TRANSCRIBE_URL: env.TRANSCRIBE_URL || undefined, TRANSCRIBE_API_KEY: env.TRANSCRIBE_API_KEY || undefined });
  if (!fromEnv.success) throw new UsageError(`TRANSCRIBE_URL must be a URL (${fromEnv.error.issues[0]!.message})`);
  const format = values.format as CliOptions['format'];
  if (!['txt', 'srt', 'vtt', 'json'].includes(format)) throw new UsageError(`--format must be txt, srt, vtt or json (got ${format})`);
  const mode = (values.mode ?? 'async') as CliOptions['mode'];
  if (!['sync', 'async', 'stream'].includes(mode)) throw new UsageError(`--mode must be sync, async or stream (got ${values.mode})`);
  const maxDuration = values['max-duration'] === undefined ? undefined : Number(values['max-duration']);
  if (maxDuration !== undefined && (!Number.isInteger(maxDuration) || maxDuration < 1)) throw new UsageError('--max-duration must be a whole number of seconds');
  if (maxDuration !== undefined && mode !== 'stream') throw new UsageError('--max-duration goes with --mode stream');
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError('--limit must be a whole number from 1 to 100');
  const [first, second] = positionals;
  const command: CliOptions['command'] = values.help || !first ? 'help' : first === 'jobs' ? 'jobs' : first === 'get' ? 'get' : first === 'live' ? 'live' : 'transcribe';
  const target = command === 'transcribe' ? first : second;
  if ((command === 'get' || command === 'live') && !target) throw new UsageError(`transcribe ${command} needs ${command === 'get' ? 'a job id' : 'a file, or - for stdin'}`);
  const key = values.key ?? fromEnv.data.TRANSCRIBE_API_KEY;
  return {
    command,
    ...(target ? { target } : {}),
    url: (values.url ?? fromEnv.data.TRANSCRIBE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    ...(key ? { key } : {}),
    format,
    mode,
    ...(maxDuration !== undefined ? { maxDurationSeconds: maxDuration } : {}),
    ...(values.webhook ? { webhook: values.webhook } : {}),
    // A sync request answers with the transcript; an async one is followed to the end only when asked.
    wait: values.wait || mode === 'sync',
    limit,
    quiet: values.quiet,
  };
}
