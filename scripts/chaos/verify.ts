/**
 * What the chaos run proves, read at the end from the chaos run's own PostgreSQL, the emulator's request log, the
 * webhook receiver and the live clients' records.
 */
import pg from 'pg';
import type { SubmittedJob } from './jobs.js';
import type { LiveOutcome } from './live-client.js';
import type { ChaosWebhookReceiver } from './webhook-receiver.js';

/** One line of the table; `mustBeZero` lines fail the run when not 0, `mustEqual` lines when not that value. */
export interface Row {
  section: string;
  name: string;
  value: number;
  mustBeZero?: boolean;
  mustEqual?: number;
}

/** Stored segment or client final boundaries agree within this (seconds; Deepgram reports milliseconds). */
const EPS = 0.002;

export async function jobRows(databaseUrl: string, jobs: SubmittedJob[], webhooks: ChaosWebhookReceiver, deepgramCallsBySha: Map<string, number>): Promise<Row[]> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const accepted = jobs.filter((j) => j.id);
    const ids = accepted.map((j) => j.id!);
    const { rows: jobRowsDb } = await client.query<{ id: string; status: string; idempotency_key: string | null }>('select id, status, idempotency_key from jobs');
    const { rows: transcriptRows } = await client.query<{ job_id: string; n: string }>('select job_id, count(*) as n from transcripts group by job_id');
    const { rows: usageRows } = await client.query<{ source_id: string; n: string }>(`select source_id, count(*) as n from usage_records where source_kind = 'job' group by source_id`);
    const status = new Map(jobRowsDb.map((r) => [r.id, r.status]));
    const transcripts = new Map(transcriptRows.map((r) => [r.job_id, Number(r.n)]));
    const usage = new Map(usageRows.map((r) => [r.source_id, Number(r.n)]));
    const keys = new Set(jobs.map((j) => j.key));
    const perKey = new Map<string, number>();
    for (const r of jobRowsDb) if (r.idempotency_key) perKey.set(r.idempotency_key, (perKey.get(r.idempotency_key) ?? 0) + 1);

    const completed = ids.filter((id) => status.get(id) === 'completed');
    const failed = ids.filter((id) => status.get(id) === 'failed' || status.get(id) === 'canceled');
    const withWebhook = completed.filter((id) => [...(webhooks.byJob.get(id)?.acceptedByEvent.keys() ?? [])].length > 0);
    const eventsPerJob = ids.map((id) => webhooks.byJob.get(id)?.acceptedByEvent ?? new Map<string, number>());
    const redeliveries = eventsPerJob.reduce((sum, m) => sum + [...m.values()].reduce((s, n) => s + n - 1, 0), 0);
    const repeatedCalls = accepted.reduce((sum, j) => sum + Math.max(0, (deepgramCallsBySha.get(j.audioSha256) ?? 0) - 1), 0);
    return [
      { section: 'async jobs', name: 'submitted (accepted with 202)', value: accepted.length, mustEqual: jobs.length },
      { section: 'async jobs', name: 'submissions never accepted', value: jobs.length - accepted.length, mustBeZero: true },
      { section: 'async jobs', name: 'submission attempts retried (503 / connection refused)', value: jobs.reduce((s, j) => s + j.attempts - 1, 0) },
      { section: 'async jobs', name: 'completed', value: completed.length, mustEqual: accepted.length },
      { section: 'async jobs', name: 'lost (accepted, not completed)', value: ids.length - completed.length - failed.length, mustBeZero: true },
      { section: 'async jobs', name: 'failed or canceled', value: failed.length, mustBeZero: true },
      {
        section: 'async jobs',
        name: 'duplicate jobs (> 1 job for one idempotency key, or a job no client asked for)',
        value: jobs.filter((j) => j.idsSeen.size > 1).length + [...perKey.values()].filter((n) => n > 1).length + jobRowsDb.filter((r) => !keys.has(r.idempotency_key ?? '')).length,
        mustBeZero: true,
      },
      { section: 'async jobs', name: 'duplicate transcripts (> 1 per job)', value: [...transcripts.values()].filter((n) => n > 1).length, mustBeZero: true },
      { section: 'async jobs', name: 'transcripts of jobs not completed', value: ids.filter((id) => transcripts.has(id) && status.get(id) !== 'completed').length, mustBeZero: true },
      { section: 'async jobs', name: 'billed twice (> 1 usage record per job)', value: ids.filter((id) => (usage.get(id) ?? 0) > 1).length, mustBeZero: true },
      { section: 'async jobs', name: 'completed but not billed (no usage record)', value: completed.filter((id) => !usage.has(id)).length, mustBeZero: true },
      { section: 'async jobs', name: 'Deepgram calls repeated (worker killed while the call ran)', value: repeatedCalls },
      { section: 'webhooks', name: 'delivered (jobs whose completion webhook was accepted)', value: withWebhook.length, mustEqual: completed.length },
      { section: 'webhooks', name: 'missing (completed job, no webhook)', value: completed.length - withWebhook.length, mustBeZero: true },
      { section: 'webhooks', name: 'duplicate completions (> 1 event id per job)', value: eventsPerJob.filter((m) => m.size > 1).length, mustBeZero: true },
      { section: 'webhooks', name: 'bad signatures', value: webhooks.badSignatures, mustBeZero: true },
      { section: 'webhooks', name: 'refused once on purpose (503), then redelivered', value: webhooks.refusedOnPurpose },
      { section: 'webhooks', name: 'same event accepted again (at-least-once retries)', value: redeliveries },
    ];
  } finally {
    await client.end();
  }
}

interface Segment {
  seq: number;
  start: number;
  end: number;
}

/**
 * Live accounting, per session, against its stored final results (`live_segments`, by `seq`):
 * - lost: a gap in the stored timeline (it must run from 0 to the end of the audio without holes), or a final a
 *   client received that is not stored although the client never had to send that audio again (it lies before
 *   the point the next connection resumed from, or came on the last connection);
 * - duplicated: stored finals that overlap (the same audio finalized twice), or a final a client received after a
 *   resume that starts before the resume point (audio already finalized reported again);
 * - re-sent (allowed): finals received before a crash beyond the point the client resumed from (they were not
 *   stored yet), so the client sent that audio again and got finals for it again.
 */
export async function liveRows(databaseUrl: string, outcomes: LiveOutcome[]): Promise<Row[]> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  let completed = 0;
  let notCompleted = 0;
  let resumes = 0;
  let stored = 0;
  let received = 0;
  let lost = 0;
  let duplicated = 0;
  let resent = 0;
  let restarted = 0;
  try {
    for (const outcome of outcomes) {
      restarted += outcome.abandoned.length;
      resumes += Math.max(0, outcome.connections.length - 1);
      if (!outcome.sessionId) {
        notCompleted++;
        continue;
      }
      const { rows: session } = await client.query<{ status: string; close_reason: string | null }>('select status, close_reason from live_sessions where id = $1', [outcome.sessionId]);
      if (outcome.completed && session[0]?.status === 'ended' && session[0].close_reason === 'client_closed') completed++;
      else notCompleted++;
      const { rows } = await client.query<{ seq: number; start_seconds: number; end_seconds: number }>(
        'select seq, start_seconds, end_seconds from live_segments where session_id = $1 order by seq',
        [outcome.sessionId],
      );
      const segments: Segment[] = rows.map((r) => ({ seq: r.seq, start: r.start_seconds, end: r.end_seconds }));
      stored += segments.length;
      // The stored timeline: from 0 to the end of the audio, each final starting where the previous ended.
      let cursor = 0;
      for (const s of segments) {
        if (s.start > cursor + EPS) lost++;
        if (s.start < cursor - EPS) duplicated++;
        cursor = Math.max(cursor, s.end);
      }
      if (cursor < outcome.audioSeconds - 0.01) lost++;
      segments.forEach((s, i) => {
        if (s.seq !== i) duplicated++;
      });
      const isStored = (f: { start: number; end: number }) => segments.some((s) => Math.abs(s.start - f.start) < EPS && Math.abs(s.end - f.end) < EPS);
      outcome.connections.forEach((connection, i) => {
        received += connection.finals.length;
        const next = outcome.connections[i + 1];
        for (const f of connection.finals) {
          if (i > 0 && f.start < connection.from - EPS) duplicated++;
          if (next && f.end > next.from + EPS) resent++;
          else if (!isStored(f)) lost++;
        }
      });
    }
  } finally {
    await client.end();
  }
  return [
    { section: 'live', name: 'sessions completed (all audio, closed 1000)', value: completed, mustEqual: outcomes.length },
    { section: 'live', name: 'sessions not completed', value: notCompleted, mustBeZero: true },
    { section: 'live', name: 'client resumes with session_id', value: resumes },
    { section: 'live', name: 'sessions started over (refused before they were durable)', value: restarted },
    { section: 'live', name: 'finals received by clients', value: received },
    { section: 'live', name: 'finals stored', value: stored },
    { section: 'live', name: 'finals lost', value: lost, mustBeZero: true },
    { section: 'live', name: 'finals duplicated', value: duplicated, mustBeZero: true },
    { section: 'live', name: 'finals re-sent after a resume (lost with a crash before storing)', value: resent },
  ];
}

export function failedRows(rows: Row[]): Row[] {
  return rows.filter((r) => (r.mustBeZero && r.value !== 0) || (r.mustEqual !== undefined && r.value !== r.mustEqual));
}

export function formatTable(rows: Row[]): string {
  const width = Math.max(...rows.map((r) => r.section.length + 2 + r.name.length));
  const lines = ['| what | count | must be |', '|---|---:|---|'];
  for (const r of rows) {
    const must = r.mustBeZero ? '0' : r.mustEqual !== undefined ? `${r.mustEqual}` : '';
    const bad = failedRows([r]).length > 0;
    lines.push(`| ${`${r.section}: ${r.name}`.padEnd(width)} | ${String(r.value).padStart(5)} | ${must}${bad ? ' ✗' : must ? ' ✓' : ''} |`);
  }
  return lines.join('\n');
}
