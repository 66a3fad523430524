/**
 * `npm run chaos` (`-- --short` for the CI-sized run): the project as separate processes, driven with async jobs
 * (webhooks) and live sessions while its workers, the Temporal server and PostgreSQL are killed and restarted.
 * Prints a table and exits 1 unless nothing was lost or duplicated. Logs of every process stay in the printed
 * folder when the run fails (CHAOS_KEEP_LOGS=1 keeps them anyway).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describeWorkflows } from './diagnose.js';
import { submitJob, type SubmittedJob } from './jobs.js';
import { runLiveSession, type LiveOutcome } from './live-client.js';
import { runMonkey, startSupervisor, type Kills } from './monkey.js';
import { FULL, SHORT } from './plan.js';
import { startChaosStack } from './stack.js';
import { failedRows, formatTable, jobRows, liveRows, type Row } from './verify.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const plan = process.argv.includes('--short') ? SHORT : FULL;
const AUDIO = path.resolve(import.meta.dirname, '../../test/fixtures/audio');
const started = Date.now();
const log = (line: string) => console.log(`[${String(Math.round((Date.now() - started) / 1000)).padStart(4)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const logDir = await mkdtemp(path.join(tmpdir(), 'chaos-run-'));
log(`chaos (${plan.name}): ${plan.jobs} async jobs, ${plan.liveSessions} live sessions, ${plan.windowSeconds} s of kills; logs in ${logDir}`);
const stack = await startChaosStack(logDir, log);
// Stopped from outside (Ctrl-C, a test timeout): take every process and the throwaway cluster down with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`chaos: ${signal}, stopping; logs in ${logDir}`);
    void stack.stop().finally(() => process.exit(130));
  });
}
let exitCode = 1;
try {
  // A Deepgram call takes a second, so kills land on calls in flight too.
  await fetch(`${stack.emulatorUrl}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'rest', latencyMs: 1_000, times: null }) });
  const webhooks = await startWebhookReceiver(stack.webhookSecret, 0.1);
  const kills: Kills = { batch: 0, streaming: 0, temporal: 0, postgres: 0, selfExits: {} };
  const supervisor = startSupervisor(stack, kills, log);
  log(`every process is up: API ${stack.apiUrl}, live ${stack.streamingUrl}`);

  const runId = randomBytes(4).toString('hex');
  const jobAudio = readFileSync(path.join(AUDIO, 'testing-websocket.wav'));
  const livePcm = readFileSync(path.join(AUDIO, 'preamble-16k.wav')).subarray(44, 44 + plan.liveAudioSeconds * 32_000);
  const windowStart = Date.now();
  const windowEnd = windowStart + plan.windowSeconds * 1000;
  const giveUpAt = windowEnd + plan.drainSeconds * 1000;

  const jobs: SubmittedJob[] = [];
  const submissions: Promise<void>[] = [];
  const submitAll = (async () => {
    // Evenly over 90% of the window, each one retried on its own until accepted.
    const interval = (plan.windowSeconds * 900) / plan.jobs;
    for (let i = 0; i < plan.jobs; i++) {
      const due = windowStart + i * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      submissions.push(submitJob(stack.apiUrl, webhooks.url, runId, jobAudio, i, giveUpAt).then((job) => void jobs.push(job)));
    }
    await Promise.all(submissions);
  })();

  const liveOutcomes: LiveOutcome[] = [];
  let liveOpen = 0;
  const liveAll = (async () => {
    const sessions: Promise<void>[] = [];
    for (let i = 0; i < plan.liveSessions; i++) {
      const due = windowStart + (i * plan.windowSeconds * 500) / plan.liveSessions;
      if (due > Date.now()) await sleep(due - Date.now());
      liveOpen++;
      sessions.push(
        runLiveSession({ streamingUrl: stack.streamingUrl, apiUrl: stack.apiUrl, pcm: livePcm, index: i, deadline: giveUpAt, log }).then((outcome) => {
          liveOpen--;
          liveOutcomes.push(outcome);
          if (outcome.error) log(`live #${i}: ${outcome.error}`);
        }),
      );
    }
    await Promise.all(sessions);
  })();

  const count = async (query: string): Promise<number | undefined> => {
    const client = new pg.Client({ connectionString: stack.postgres.url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ n: string }>(query);
      return Number(rows[0]!.n);
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const completedJobs = () => count(`select count(*) as n from jobs where status = 'completed'`);
  // A session's workflow records its end; when PostgreSQL was down as it ended, that waits out its retry backoff.
  const endedSessions = () => count(`select count(*) as n from live_sessions where status = 'ended'`);
  const progress = setInterval(() => {
    void completedJobs().then((completed) => {
      const delivered = [...webhooks.byJob.values()].filter((w) => w.acceptedByEvent.size > 0).length;
      const down = stack.parts.filter((p) => p.readySince === undefined).map((p) => p.spec.name);
      if (!stack.temporal.server) down.push('temporal');
      log(
        `jobs ${jobs.filter((j) => j.id).length}/${plan.jobs} accepted, ${completed ?? '?'} completed, ${delivered} webhooks | ` +
          `live ${liveOpen} open, ${liveOutcomes.length}/${plan.liveSessions} done | ` +
          `kills: batch ${kills.batch}, streaming ${kills.streaming}, temporal ${kills.temporal}, postgres ${kills.postgres}` +
          (down.length ? ` | down: ${down.join(', ')}` : ''),
      );
    });
  }, 5_000);

  await runMonkey(stack, plan, kills, windowEnd, log);
  log('kills over; waiting for every process to be up, then for jobs, webhooks and live sessions to finish');
  while (!supervisor.allUp() && Date.now() < giveUpAt) await sleep(250);
  await Promise.all([submitAll, liveAll]);
  // Drain: every accepted job completed and its webhook accepted, every session a client closed recorded as ended, or
  // the drain period over.
  while (Date.now() < giveUpAt) {
    const accepted = jobs.filter((j) => j.id);
    const completed = await completedJobs();
    const delivered = accepted.filter((j) => (webhooks.byJob.get(j.id!)?.acceptedByEvent.size ?? 0) > 0).length;
    const ended = await endedSessions();
    const liveDone = liveOutcomes.filter((o) => o.completed).length;
    if (completed !== undefined && completed >= accepted.length && delivered >= accepted.length && ended !== undefined && ended >= liveDone) break;
    await sleep(1_000);
  }
  // Late duplicates (a second event, a retried call) would show up in this time.
  await sleep(3_000);
  clearInterval(progress);
  supervisor.stop();

  const deepgramCalls = new Map<string, number>();
  const requests = (await (await fetch(`${stack.emulatorUrl}/_emulator/requests`)).json()) as Array<{ kind: string; audioSha256?: string }>;
  for (const r of requests) if (r.kind === 'rest' && r.audioSha256) deepgramCalls.set(r.audioSha256, (deepgramCalls.get(r.audioSha256) ?? 0) + 1);
  jobs.sort((a, b) => a.index - b.index);
  liveOutcomes.sort((a, b) => a.index - b.index);
  const selfExits = Object.values(kills.selfExits).reduce((a, b) => a + b, 0);
  const rows: Row[] = [
    ...(await jobRows(stack.postgres.url, jobs, webhooks, deepgramCalls)),
    ...(await liveRows(stack.postgres.url, liveOutcomes)),
    { section: 'chaos', name: 'batch workers SIGKILLed', value: kills.batch },
    { section: 'chaos', name: 'streaming worker SIGKILLed', value: kills.streaming },
    { section: 'chaos', name: 'Temporal server SIGKILLed and restarted', value: kills.temporal },
    { section: 'chaos', name: 'PostgreSQL restarted', value: kills.postgres },
    { section: 'chaos', name: `processes that exited on their own or failed to start (restarted)${selfExits ? ` (${Object.entries(kills.selfExits).map(([n, c]) => `${n} ${c}`).join(', ')})` : ''}`, value: selfExits },
  ];
  await webhooks.close();
  console.log(`\nchaos (${plan.name}) after ${Math.round((Date.now() - started) / 1000)} s:\n`);
  console.log(formatTable(rows));
  const failed = failedRows(rows);
  if (kills.batch === 0 || kills.streaming === 0 || kills.temporal === 0 || kills.postgres === 0) failed.push({ section: 'chaos', name: 'a kind of kill never happened', value: 1 });
  exitCode = failed.length === 0 ? 0 : 1;
  if (exitCode !== 0) {
    for (const j of jobs.filter((j) => !j.id)) console.log(`submission ${j.key} never accepted after ${j.attempts} attempts: ${j.lastError}`);
    // The workflows of jobs without a delivered webhook (unfinished jobs included), and their webhook deliveries.
    const missing = jobs.filter((j) => j.id && !(webhooks.byJob.get(j.id)?.acceptedByEvent.size ?? 0)).map((j) => j.id!);
    const ids = missing.flatMap((id) => [id, `${id}-evt_${id}_completed`]);
    if (ids.length && stack.temporal.server) {
      console.log('\nTemporal on the jobs without a webhook:');
      for (const line of await describeWorkflows(stack.temporal.server.address, ids)) console.log(`  ${line}`);
    }
  }
  console.log(exitCode === 0 ? '\nchaos: nothing lost, nothing duplicated' : `\nchaos: FAILED: ${failed.map((r) => `${r.section}: ${r.name} = ${r.value}`).join('; ')}`);
} catch (err) {
  console.error('chaos: the run itself failed:', err);
} finally {
  await stack.stop().catch((err: unknown) => console.error('chaos: cleanup failed:', err));
  if (exitCode === 0 && !process.env.CHAOS_KEEP_LOGS) await rm(logDir, { recursive: true, force: true });
  else console.log(`chaos: process logs kept in ${logDir}`);
}
process.exit(exitCode);
