import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';
import type { LiveSessionsService } from '../services/live-sessions.service.js';
import { ClientConnection } from './client-connection.js';
import { type ConnectionRegistry } from './connection-registry.js';
import { parseLiveQuery } from '../domain/live-query.js';
import { secretFromAuthorization, secretFromWebSocketProtocols, type KeyDirectory } from '../services/api-keys.js';
import { OPEN_CALLER, type Caller } from '../domain/tenancy.js';
import { liveApiOf, type LiveApi } from '../domain/live.js';
import { refuseUpgrade } from './refuse-upgrade.js';

export interface LiveGatewayOptions {
  sessions: LiveSessionsService;
  registry: ConnectionRegistry;
  /** This worker's relay task queue: where sessions of connections held here get their relay. */
  relayTaskQueue: string;
  maxSessions: number;
  maxMessageBytes: number;
  maxBufferBytes: number;
  /** Liveness of client sockets: pings (LIVE_PING_INTERVAL_MS), and the idle rule (LIVE_IDLE_TIMEOUT_MS). */
  pingIntervalMs: number;
  idleTimeoutMs: number;
  /** A connection no relay claimed within this time is closed (its session never got going). */
  claimTimeoutMs: number;
  logger: Logger;
  /** Resolves keys to tenants; while keys are in use, an upgrade without a valid one is refused with 401. */
  keys: KeyDirectory;
  /** Regions this worker serves: a key pinned elsewhere is refused (its audio must not pass through here). */
  regions: string[];
  /** Told about every connection closed for capacity: this worker is full, or every worker together is. */
  onRefused?: (reason: 'worker_full' | 'global_limit') => void;
  /** Whether this worker can keep recordings (record=true); without a blob store it refuses them. */
  recordings: boolean;
}

/** Any Node HTTP server (node:http, or the one @hono/node-server returns): what 'upgrade' events come from. */
export type UpgradeSource = Pick<EventEmitter, 'on' | 'listenerCount'>;

export interface LiveGateway {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Serves `GET /v1/listen` and `GET /v2/listen` (Flux) upgrades on `server`, leaving every other request to it. */
  attachTo(server: UpgradeSource): void;
  /** Stops accepting sessions and closes every client socket with `code` (1012: reconnect elsewhere). */
  closeAll(code: number, reason: (sessionId: string) => string): void;
}

/** The live API a path serves, or undefined for any other path. */
export function listenApiOf(path: string): LiveApi | undefined {
  if (path === '/v1/listen' || path === '/v1/listen/') return 'v1';
  if (path === '/v2/listen' || path === '/v2/listen/') return 'v2';
  return undefined;
}

/**
 * The Deepgram-compatible live endpoint: validates the upgrade, enforces the session limits (this worker's here,
 * the global one when a new session is admitted), accepts the socket, and hands it to a new or resumed session
 * whose relay will run in this process.
 */
export function createLiveGateway(options: LiveGatewayOptions): LiveGateway {
  const { sessions, registry, logger } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
    // Browsers authenticate to Deepgram with `Sec-WebSocket-Protocol: token, <key>`; echo the scheme back.
    handleProtocols: (protocols) => [...protocols].find((p) => /^(token|bearer)$/i.test(p)) ?? false,
  });
  const sessionOf = new WeakMap<IncomingMessage, string>();
  const resumeFromOf = new WeakMap<IncomingMessage, number>();
  wss.on('headers', (headers, req) => {
    const id = sessionOf.get(req);
    if (id) headers.push(`dg-request-id: ${id}`);
    // A resumed session: the point on its timeline the client's audio is taken to start from (send from there).
    const resumeFrom = resumeFromOf.get(req);
    if (resumeFrom !== undefined) headers.push(`resume-from-seconds: ${Math.round(resumeFrom * 1e6) / 1e6}`);
  });
  let pending = 0;
  let closing = false;

  const accept = (req: IncomingMessage, socket: Duplex, head: Buffer, sessionId: string) =>
    new Promise<WebSocket>((resolve) => {
      sessionOf.set(req, sessionId);
      wss.handleUpgrade(req, socket, head, resolve);
    });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || !req.headers['sec-websocket-key']) {
      return refuseUpgrade(socket, 400, 'invalid_request', 'Expected a WebSocket upgrade (Upgrade: websocket)');
    }
    let caller: Caller = OPEN_CALLER;
    if (await options.keys.required()) {
      const secret = secretFromAuthorization(req.headers.authorization) ?? secretFromWebSocketProtocols(req.headers['sec-websocket-protocol']);
      const identified = await options.keys.identify(secret);
      if (!identified) {
        return refuseUpgrade(socket, 401, 'unauthorized', secret ? 'The API key is not valid' : 'An API key is required: Authorization: Token <key>, or the WebSocket protocols token, <key>');
      }
      caller = identified;
    }
    if (!options.regions.includes(caller.region ?? 'default')) {
      return refuseUpgrade(socket, 403, 'wrong_region', `This API key is pinned to region ${caller.region}; connect to a streaming worker of that region`);
    }
    const url = new URL(req.url ?? '/', 'http://live');
    const api = listenApiOf(url.pathname) ?? 'v1';
    const query = parseLiveQuery(url.searchParams, api);
    if (!query.ok) return refuseUpgrade(socket, query.error.status, query.error.code, query.error.message);
    if (closing) return refuseUpgrade(socket, 503, 'service_unavailable', 'This streaming worker is shutting down; connect again');
    if (query.record && !options.recordings) return refuseUpgrade(socket, 400, 'invalid_option', 'record=true: this deployment keeps no recordings (no blob store on its streaming workers)');
    const full = registry.open + pending >= options.maxSessions;
    let resumed = false;
    if (query.sessionId && !full) {
      pending++;
      try {
        // Another tenant's session is as unknown as a missing one.
        const existing = await sessions.find(caller, query.sessionId);
        if (!existing && !query.createSession) return refuseUpgrade(socket, 404, 'not_found', `No live session with id ${query.sessionId}`);
        if (existing?.deletedAt) return refuseUpgrade(socket, 410, 'deleted', `Live session ${query.sessionId} was deleted; start a new one`);
        if (existing?.status === 'ended') return refuseUpgrade(socket, 409, 'session_ended', `Live session ${query.sessionId} has ended (${existing.closeReason}); start a new one`);
        if (existing && liveApiOf(existing.options) !== api) {
          return refuseUpgrade(socket, 409, 'session_api_mismatch', `Live session ${query.sessionId} streams on /${liveApiOf(existing.options)}/listen; resume it there`);
        }
        if (!existing && (await sessions.idTaken(query.sessionId))) {
          return refuseUpgrade(socket, 409, 'session_id_taken', `The session id ${query.sessionId} is taken; choose another (a new random UUID)`);
        }
        // create_session=true and no such session yet: it starts under the client's id (below).
        if (existing) {
          await sessions.assertResumable(query.sessionId, query.takeover);
          resumeFromOf.set(req, await sessions.resumePoint(query.sessionId));
          resumed = true;
        }
      } catch (err) {
        if (err instanceof AppError) return refuseUpgrade(socket, err.status, err.code, err.message);
        throw err;
      } finally {
        pending--;
      }
    }
    const sessionId = query.sessionId ?? randomUUID();
    const ws = await accept(req, socket, head, sessionId);
    if (full || registry.open >= options.maxSessions) {
      options.onRefused?.('worker_full');
      ws.close(1013, `Too many live sessions on this worker (limit ${options.maxSessions}); try again later`);
      return;
    }
    const connection = new ClientConnection(randomUUID(), sessionId, ws, { maxBufferBytes: options.maxBufferBytes, pingIntervalMs: options.pingIntervalMs, idleTimeoutMs: options.idleTimeoutMs, api });
    registry.add(connection, options.claimTimeoutMs, (c) => c.close(1011, 'The session did not start in time; try again'));
    ws.on('close', () => registry.closed(connection.connectionId));
    const attach = { taskQueue: options.relayTaskQueue, connectionId: connection.connectionId };
    try {
      if (resumed) await sessions.resume(sessionId, attach);
      else await sessions.start(caller, { sessionId, options: query.options, attach, record: query.record, repass: query.repass });
      logger.info({ sessionId, connectionId: connection.connectionId, resumed }, 'live session connected');
    } catch (err) {
      const message = err instanceof AppError ? err.message : 'The session could not be started';
      if (!(err instanceof AppError)) logger.error({ err, sessionId }, 'live session start failed');
      const status = err instanceof AppError ? err.status : 500;
      if (status === 429) {
        options.onRefused?.('global_limit');
        logger.warn({ sessionId }, message);
      }
      connection.close(status === 429 ? 1013 : status === 409 ? 1008 : 1011, message);
    }
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      upgrade(req, socket, head).catch((err: unknown) => {
        logger.error({ err }, 'live upgrade failed');
        refuseUpgrade(socket, 503, 'service_unavailable', 'The live endpoint could not accept the connection; retry shortly');
      });
    },
    attachTo(server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (listenApiOf(new URL(req.url ?? '/', 'http://live').pathname)) return this.handleUpgrade(req, socket, head);
        // Nobody else takes upgrades on this server: answer rather than leave the socket hanging.
        if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'not_found', 'WebSocket upgrades are served on /v1/listen and /v2/listen only');
      });
    },
    closeAll(code, reason) {
      closing = true;
      for (const connection of registry.all()) connection.close(code, reason(connection.sessionId));
    },
  };
}
