/** Every payload in a workflow history (inputs, results, signals, markers, memos), read as text. */
export function payloadTexts(history: unknown): string[] {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    const record = value as Record<string, unknown>;
    if (record.data instanceof Uint8Array && 'metadata' in record) texts.push(Buffer.from(record.data).toString('utf8'));
    for (const child of Object.values(record)) walk(child);
  };
  walk(history);
  return texts;
}
