/**
 * Idempotency, Stripe's way. Every duration here is in milliseconds and every timestamp is
 * milliseconds since the epoch as `Date.now()` returns it; no other time unit is used.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Set on a response that was replayed from the store rather than produced by the handler. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** What a client may send: 1 to 255 characters, letters, digits and `_-:.` (UUIDs and ULIDs fit). */
export const KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,255}$/;

/** How long an in-flight record holds its key when the context tells no remaining time. */
export const DEFAULT_IN_PROGRESS_TTL_MS = 30_000;

/** How long a completed response is replayed: Stripe keeps keys for 24 hours. */
export const DEFAULT_COMPLETED_TTL_MS = 24 * 60 * 60 * 1000;

/** The shortest in-flight hold, so a nearly timed-out invocation still covers its own writes. */
export const MIN_IN_PROGRESS_TTL_MS = 1_000;

export const IDEMPOTENCY_STATUS = { inProgress: 'in_progress', completed: 'completed' } as const;
