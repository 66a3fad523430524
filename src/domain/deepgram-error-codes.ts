/** Deepgram's err_code for each of our error codes, so Deepgram clients read our refusals as they would Deepgram's. */
const DEEPGRAM_CODES: Record<string, string> = {
  unknown_option: 'INVALID_QUERY_PARAMETER',
  invalid_option: 'INVALID_QUERY_PARAMETER',
  not_found: 'NOT_FOUND',
  session_ended: 'SESSION_ENDED',
  service_unavailable: 'SERVICE_UNAVAILABLE',
  unauthorized: 'INVALID_AUTH',
  rate_limited: 'TOO_MANY_REQUESTS',
  budget_exceeded: 'ASR_PAYMENT_REQUIRED',
  forbidden: 'FORBIDDEN',
};

export function deepgramErrCode(code: string): string {
  return DEEPGRAM_CODES[code] ?? code.toUpperCase();
}
