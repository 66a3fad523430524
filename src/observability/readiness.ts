/** Each dependency or condition, true when fine (the process is ready when all are), with optional detail. */
export interface Readiness {
  checks: Record<string, boolean>;
  details?: Record<string, unknown>;
}

/**
 * The `/ready` answer every process gives (API and workers alike): 503 `shutting_down` once draining, else 200
 * `ready` or 503 `not_ready` with the checks named, so a balancer or an operator sees which dependency failed.
 */
export async function readinessAnswer(shuttingDown: boolean, readiness: () => Promise<Readiness>): Promise<{ status: 200 | 503; body: Record<string, unknown> }> {
  if (shuttingDown) return { status: 503, body: { status: 'shutting_down', checks: {} } };
  const { checks, details } = await readiness();
  const ready = Object.values(checks).every(Boolean);
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks, ...details } };
}
