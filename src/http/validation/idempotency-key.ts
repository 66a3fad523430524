/** An Idempotency-Key, in a header or a batch item: 1–128 letters, digits, ".", "_", ":" or "-". */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
