export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

/** The item whose key is the median of all (the lower middle one of an even number), as `percentile` picks it. */
export function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)]!;
}

export function summarize(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean };
}

/** Prints rows as an aligned plain-text table. */
export function printTable(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(c >= 100 ? 0 : 2)) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: Array<string | number>) => '| ' + r.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`\n${title}\n`);
  console.log(line(cells[0]!));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Stops what a benchmark started, in order (API before workers before their database), each one even if one fails. */
export async function stopInOrder(...parts: Array<{ close(): Promise<unknown> } | { stop(): Promise<unknown> } | { drop(): Promise<unknown> }>): Promise<void> {
  for (const part of parts) {
    const stop = 'close' in part ? () => part.close() : 'stop' in part ? () => part.stop() : () => part.drop();
    await stop().catch(() => undefined);
  }
}
