/**
 * The chaos itself: SIGKILLs the batch workers (in turn) and the streaming worker every few seconds, SIGKILLs and
 * restarts the Temporal server, and restarts PostgreSQL (fast and immediate shutdowns), on the plan's schedule.
 * A supervisor restarts every dead process at once, as an orchestrator would; processes that exit on their own
 * (not killed by us) are counted.
 */
import type { ChaosPlan } from './plan.js';
import type { Part } from './processes.js';
import type { ChaosStack } from './stack.js';

export interface Kills {
  batch: number;
  streaming: number;
  temporal: number;
  postgres: number;
  /** Processes that exited without being killed (restarted by the supervisor). */
  selfExits: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startSupervisor(stack: ChaosStack, kills: Kills, log: (line: string) => void): { stop(): void; allUp(): boolean } {
  const starting = new Set<Part>();
  const killing = new Set<Part>();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    for (const part of stack.parts) {
      if (part.alive || starting.has(part) || part.retired) continue;
      if (!killing.has(part) && part.starts > 0 && part.lastExitWasOurs === false) {
        kills.selfExits[part.spec.name] = (kills.selfExits[part.spec.name] ?? 0) + 1;
        log(`${part.spec.name} exited on its own; restarting`);
        part.lastExitWasOurs = true;
      }
      starting.add(part);
      part
        .start()
        .catch((err: Error) => log(`${part.spec.name} failed to start (${err.message.split('\n')[0]}); retrying`))
        .finally(() => starting.delete(part));
    }
  };
  const timer = setInterval(tick, 250);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    allUp: () => stack.parts.every((p) => p.alive && p.readySince !== undefined) && stack.temporal.server !== undefined,
  };
}

/** Runs until `until` resolves true: kills and disasters on the plan's schedule. */
export async function runMonkey(stack: ChaosStack, plan: ChaosPlan, kills: Kills, windowEnd: number, log: (line: string) => void): Promise<void> {
  const windowStart = windowEnd - plan.windowSeconds * 1000;
  const batch = (async () => {
    let turn = 0;
    while (Date.now() < windowEnd) {
      await sleep(plan.batchKillEveryMs);
      if (Date.now() >= windowEnd) break;
      const target = stack.batchWorkers[turn % stack.batchWorkers.length]!;
      const others = stack.batchWorkers.filter((w) => w !== target);
      // Kill it only once it has run a little (taken work), and while another one runs: on a slow machine a restart
      // takes longer than the kill interval, and killing both over and over would only show that nothing runs.
      if (target.readySince === undefined || Date.now() - target.readySince < 2_000 || !others.some((w) => w.readySince !== undefined)) continue;
      turn++;
      await target.kill();
      kills.batch++;
    }
  })();
  const streaming = (async () => {
    while (Date.now() < windowEnd) {
      await sleep(500);
      const ready = stack.streamingWorker.readySince;
      if (ready === undefined || Date.now() - ready < plan.streamingKillAfterMs) continue;
      if (Date.now() >= windowEnd) break;
      await stack.streamingWorker.kill();
      kills.streaming++;
    }
  })();
  const disasters = (async () => {
    for (const disaster of plan.disasters) {
      const at = windowStart + disaster.at * plan.windowSeconds * 1000;
      if (at > Date.now()) await sleep(at - Date.now());
      if (disaster.kind === 'temporal') {
        log('SIGKILL the Temporal server');
        await stack.temporal.kill();
        kills.temporal++;
        await sleep(2_000);
        await stack.temporal.restart();
        log('Temporal server back');
      } else {
        const mode = disaster.kind === 'postgres-fast' ? 'fast' : 'immediate';
        log(`PostgreSQL stop (${mode} shutdown)`);
        await stack.postgres.stop(mode);
        kills.postgres++;
        await sleep(2_000);
        await stack.postgres.start();
        log('PostgreSQL back');
      }
    }
  })();
  await Promise.all([batch, streaming, disasters]);
}
