/**
 * The chaos run's webhook receiver: verifies every delivery's Standard Webhooks signature with the reference
 * library, refuses a share of first attempts (503) so redelivery is exercised too, and counts what it accepted
 * per job and per event id (a repeated `webhook-id` is an allowed retry; two event ids for one job are not).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface JobWebhooks {
  /** Accepted deliveries (2xx) per event id. */
  acceptedByEvent: Map<string, number>;
  /** `event` field of each accepted delivery. */
  events: string[];
  transcript?: string;
}

export interface ChaosWebhookReceiver {
  url: string;
  byJob: Map<string, JobWebhooks>;
  badSignatures: number;
  refusedOnPurpose: number;
  close(): Promise<void>;
}

const header = (headers: IncomingHttpHeaders, name: string): string => String(headers[name] ?? '');

export async function startWebhookReceiver(secret: string, refuseShare: number): Promise<ChaosWebhookReceiver> {
  const verifier = new Webhook(secret);
  const byJob = new Map<string, JobWebhooks>();
  const refused = new Set<string>();
  const state = { badSignatures: 0, refusedOnPurpose: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: { id?: string; event?: string; transcript?: string };
      try {
        verifier.verify(raw, { 'webhook-id': header(req.headers, 'webhook-id'), 'webhook-timestamp': header(req.headers, 'webhook-timestamp'), 'webhook-signature': header(req.headers, 'webhook-signature') });
        body = JSON.parse(raw) as typeof body;
      } catch {
        state.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const eventId = header(req.headers, 'webhook-id');
      // A share of events is refused once: the delivery must come again (same webhook-id).
      if (!refused.has(eventId) && hash(eventId) < refuseShare) {
        refused.add(eventId);
        state.refusedOnPurpose++;
        res.writeHead(503).end();
        return;
      }
      const job = byJob.get(body.id ?? '') ?? { acceptedByEvent: new Map<string, number>(), events: [] };
      byJob.set(body.id ?? '', job);
      job.acceptedByEvent.set(eventId, (job.acceptedByEvent.get(eventId) ?? 0) + 1);
      job.events.push(body.event ?? '');
      job.transcript = body.transcript;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/chaos`,
    byJob,
    get badSignatures() {
      return state.badSignatures;
    },
    get refusedOnPurpose() {
      return state.refusedOnPurpose;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A stable number in [0, 1) from a string (which events get refused once). */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}
