/** What liveness needs of a `ws` socket. */
export interface Pingable {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

/**
 * Pings `socket` every `intervalMs`; one that has not answered the previous ping by then is terminated (a half-open
 * connection or a hung peer), which its close handlers then report. Returns the function that stops it.
 */
export function terminateWhenSilent(socket: Pingable, intervalMs: number): () => void {
  let answered = true;
  socket.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    try {
      socket.ping();
    } catch {
      // closing already
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
