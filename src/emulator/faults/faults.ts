import type { FaultSpec, FaultTarget } from '../types.js';

/** A queued fault with its remaining use count. */
interface QueuedFault {
  spec: FaultSpec;
  remaining: number;
}

export type TrafficKind = Exclude<FaultTarget, 'any'>;

/**
 * Faults queue up in injection order. Each request of a kind takes the first queued fault whose target
 * matches (`any` matches every kind) and consumes one use of it; a fault is removed once its uses run out.
 */
export class FaultQueue {
  private queue: QueuedFault[] = [];

  add(spec: FaultSpec): void {
    const times = spec.times === undefined ? 1 : spec.times;
    if (!(times > 0)) return;
    this.queue.push({ spec: { ...spec }, remaining: times });
  }

  clear(): void {
    this.queue = [];
  }

  size(): number {
    return this.queue.length;
  }

  /** Takes (consumes one use of) the first fault matching `kind`, if any. */
  take(kind: TrafficKind): FaultSpec | undefined {
    const index = this.queue.findIndex((q) => matches(q.spec.target ?? 'rest', kind));
    if (index < 0) return undefined;
    const entry = this.queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.queue.splice(index, 1);
    return entry.spec;
  }
}

function matches(target: FaultTarget, kind: TrafficKind): boolean {
  return target === 'any' || target === kind;
}

/** A short human-readable description stored on RecordedRequest.fault. */
export function describeFault(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.latencyMs) parts.push(`latency ${spec.latencyMs}ms`);
  if (spec.latencyPerAudioSecondMs) parts.push(`latency ${spec.latencyPerAudioSecondMs}ms per audio second`);
  if (spec.status !== undefined) parts.push(`status ${spec.status}`);
  if (spec.retryAfterSeconds !== undefined) parts.push(`retry-after ${spec.retryAfterSeconds}s`);
  if (spec.drop) parts.push('drop');
  if (spec.dropAfterMs !== undefined) parts.push(`drop after ${spec.dropAfterMs}ms`);
  if (spec.errorFrame) parts.push('error frame');
  if (spec.freeze) parts.push('freeze');
  return parts.length ? parts.join(', ') : 'no-op';
}

const TARGETS = new Set(['rest', 'live', 'callback', 'any']);

/**
 * Validates a FaultSpec received as JSON (admin API). `times: null` means always (JSON has no Infinity).
 * Returns an error message string when invalid.
 */
export function parseFaultJson(input: unknown): FaultSpec | string {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return 'fault must be a JSON object';
  const raw = input as Record<string, unknown>;
  const spec: FaultSpec = {};
  if (raw.target !== undefined) {
    if (typeof raw.target !== 'string' || !TARGETS.has(raw.target)) return 'target must be rest, live, callback or any';
    spec.target = raw.target as FaultTarget;
  }
  for (const key of ['status', 'retryAfterSeconds', 'latencyMs', 'latencyPerAudioSecondMs', 'dropAfterMs'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `${key} must be a non-negative number`;
    spec[key] = v;
  }
  if (spec.status !== undefined && (spec.status < 100 || spec.status > 599 || !Number.isInteger(spec.status))) {
    return 'status must be an HTTP status code';
  }
  for (const key of ['errCode', 'errMsg'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') return `${key} must be a string`;
    spec[key] = v;
  }
  for (const key of ['drop', 'errorFrame', 'freeze'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') return `${key} must be a boolean`;
    spec[key] = v;
  }
  if (raw.times === null || raw.times === 'Infinity') spec.times = Infinity;
  else if (raw.times !== undefined) {
    if (typeof raw.times !== 'number' || !(raw.times >= 1)) return 'times must be a positive number or null (always)';
    spec.times = raw.times;
  }
  return spec;
}
