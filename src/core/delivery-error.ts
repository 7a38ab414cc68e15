/**
 * A connector call that failed, classified once, in the connector's client wrapper:
 * `retryable` failures (network, timeout, 408, 429, 5xx) are tried again later;
 * permanent ones (validation, auth, not found) dead-letter at once.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly options: {
      /** Remote HTTP status, when there was an answer. */
      status?: number;
      /** The remote's `Retry-After`, in milliseconds. */
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
  }

  get status() {
    return this.options.status;
  }

  get retryAfterMs() {
    return this.options.retryAfterMs;
  }
}

/** Whether an HTTP status is worth retrying: 408, 425, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
