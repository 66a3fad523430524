import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFaultJson } from './faults.js';
import { readBody, sendJson } from '../http-util.js';
import type { EmulatorState } from '../state.js';

const ADMIN_BODY_LIMIT = 64 * 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, ADMIN_BODY_LIMIT);
  return body.length ? JSON.parse(body.toString('utf8')) : {};
}

/** RecordedRequest has `Infinity`-free fields, so plain JSON works; stats likewise. */
function ok(res: ServerResponse, body: unknown = { ok: true }): void {
  sendJson(res, 200, body);
}

function bad(res: ServerResponse, message: string, status = 400): void {
  sendJson(res, status, { error: message });
}

/**
 * Unauthenticated control API under `/_emulator/`, so tests in other processes can drive the emulator:
 * transcripts, faults, requests, stats, reset, health.
 */
export async function handleAdmin(state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const route = `${req.method ?? 'GET'} ${path.replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET /_emulator/health':
        return ok(res, { ok: true, stats: state.stats() });
      case 'GET /_emulator/requests':
        return ok(res, state.requests());
      case 'GET /_emulator/stats':
        return ok(res, state.stats());
      case 'POST /_emulator/reset':
        state.reset();
        return ok(res);
      case 'DELETE /_emulator/faults':
        state.faults.clear();
        return ok(res);
      case 'POST /_emulator/faults': {
        const spec = parseFaultJson(await readJson(req));
        if (typeof spec === 'string') return bad(res, spec);
        state.faults.add(spec);
        return ok(res, { ok: true, queued: state.faults.size() });
      }
      case 'POST /_emulator/transcripts': {
        const input = (await readJson(req)) as { sha256?: unknown; audio_base64?: unknown; text?: unknown };
        if (typeof input.text !== 'string') return bad(res, 'text must be a string');
        if (typeof input.audio_base64 === 'string') {
          state.transcripts.register(Buffer.from(input.audio_base64, 'base64'), input.text);
        } else if (typeof input.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(input.sha256)) {
          state.transcripts.register({ sha256: input.sha256 }, input.text);
        } else {
          return bad(res, 'give sha256 (64 hex characters) or audio_base64');
        }
        return ok(res);
      }
      default:
        return bad(res, `no such emulator route: ${route}`, 404);
    }
  } catch (err) {
    return bad(res, err instanceof SyntaxError ? 'body must be JSON' : (err as Error).message);
  }
}
