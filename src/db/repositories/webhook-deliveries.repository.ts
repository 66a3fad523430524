import { sql } from 'kysely';
import type { Db } from '../database.js';

export interface WebhookDelivery {
  eventId: string;
  url: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  succeeded: boolean;
  durationMs: number;
  createdAt: Date;
}

export async function recordWebhookDelivery(db: Db, jobId: string, delivery: Omit<WebhookDelivery, 'createdAt'>): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      job_id: jobId,
      // The job's own tenant, read in the same statement.
      tenant_id: sql<string>`(select tenant_id from jobs where id = ${jobId})`,
      event_id: delivery.eventId,
      url: delivery.url,
      attempt: delivery.attempt,
      status_code: delivery.statusCode,
      error: delivery.error,
      succeeded: delivery.succeeded,
      duration_ms: delivery.durationMs,
    })
    .execute();
}

export async function listWebhookDeliveries(db: Db, jobId: string): Promise<WebhookDelivery[]> {
  const rows = await db.selectFrom('webhook_deliveries').selectAll().where('job_id', '=', jobId).orderBy('id').execute();
  return rows.map((r) => ({
    eventId: r.event_id,
    url: r.url,
    attempt: r.attempt,
    statusCode: r.status_code,
    error: r.error,
    succeeded: r.succeeded,
    durationMs: r.duration_ms,
    createdAt: r.created_at,
  }));
}
