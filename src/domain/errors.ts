/** Machine-readable error codes of the public API. */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'invalid_url'
  | 'invalid_mode'
  | 'unknown_option'
  | 'invalid_option'
  | 'not_found'
  | 'deleted'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unsupported_audio'
  | 'url_not_allowed'
  | 'idempotency_conflict'
  | 'invalid_idempotency_key'
  | 'not_cancelable'
  | 'not_ready'
  | 'no_webhook'
  | 'webhooks_not_configured'
  | 'use_websocket'
  | 'invalid_cursor'
  | 'invalid_range'
  | 'rate_limited'
  | 'unauthorized'
  | 'deepgram_rejected'
  | 'deepgram_unavailable'
  | 'transcription_failed'
  | 'service_unavailable'
  | 'session_ended'
  | 'session_id_taken'
  | 'no_recording'
  | 'recording_not_ready'
  | 'too_many_live_sessions'
  | 'forbidden'
  | 'admin_disabled'
  | 'tenant_exists'
  | 'unknown_region'
  | 'key_revoked'
  | 'budget_exceeded'
  | 'session_in_use'
  | 'wrong_region'
  | 'callback_mismatch'
  | 'session_active'
  | 'undecodable_payload'
  | 'upload_not_found'
  | 'upload_incomplete'
  | 'upload_expired'
  | 'internal_error';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Sent as Retry-After on 429/503 answers. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}
