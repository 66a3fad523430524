/** Workflow id of a live session: one business key, so a repeated start or resume can never run a second one. */
export function liveSessionWorkflowId(sessionId: string): string {
  return `live-${sessionId}`;
}

/**
 * The task queue only one streaming worker polls: relays scheduled there run in the process that holds the
 * client's socket.
 */
export function liveRelayTaskQueue(baseQueue: string, workerId: string): string {
  return `${baseQueue}.${workerId}`;
}
