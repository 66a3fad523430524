/**
 * Deepgram's model families and their variants (`nova-3`, `nova-3-medical`, `nova-2-phonecall`, `whisper-large`,
 * `base`…). Metrics label a request by its model only when it has this shape, so a client cannot grow `/metrics`
 * without bound by inventing model names.
 */
const DEEPGRAM_MODEL = /^(nova-3|nova-2|nova|enhanced|base|whisper|flux)(-[a-z0-9]{1,20}){0,2}$/;

/** The model as a metrics label: its name, `default` when none was asked for, `other` for anything unknown. */
export function modelLabel(model: unknown): string {
  if (model === undefined) return 'default';
  return typeof model === 'string' && DEEPGRAM_MODEL.test(model) ? model : 'other';
}
