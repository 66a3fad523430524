import { proxyActivities } from '@temporalio/workflow';
import type { floorActivities } from './floor-activities.js';

const { callDeepgram } = proxyActivities<ReturnType<typeof floorActivities>>({ startToCloseTimeout: '1 minute' });

/** Temporal's own floor for a job: one workflow that runs one activity, nothing else. */
export async function floorJob(latencyMs: number): Promise<void> {
  await callDeepgram(latencyMs);
}
