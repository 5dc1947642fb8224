import { createHash } from 'node:crypto';
import { IDEMPOTENCY_STATUS, REPLAYED_HEADER } from './constants';
import { IdempotencyInProgressError, IdempotencyKeyReusedError, IdempotencyStoreUnavailableError } from './errors';
import { type IdempotencyRecord, type IdempotencyStore, type StoredResponse } from './persistence';

/**
 * The store-agnostic logic: which key a request uses, what its payload hash is, whether it
 * runs, replays or is refused, and what is kept once it ran. Times in ms from `Date.now()`.
 */

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** JSON with object keys sorted at every depth, so equal values always hash alike. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, child: unknown) =>
    isPlainObject(child)
      ? Object.fromEntries(
          Object.keys(child)
            .sort()
            .map((key) => [key, child[key]]),
        )
      : child,
  ) ?? 'null';

export interface PayloadParts {
  method: string;
  path: string;
  body: unknown;
}

/** sha256 of the canonical request: the same key with another body, method or path is a reuse. */
export const payloadHash = ({ method, path, body }: PayloadParts): string => sha256(canonicalJson({ method: method.toUpperCase(), path, body }));

export interface KeyScope {
  functionName: string;
  tenantId?: string;
  userId?: string;
  key: string;
}

/**
 * The stored key: per function, tenant and user, so two callers never share a key space.
 * The scope is hashed, keeping keys short and free of the separator clashes raw ids could cause.
 */
export const scopedKey = ({ functionName, tenantId, userId, key }: KeyScope): string =>
  `${functionName}:${sha256(JSON.stringify([tenantId ?? null, userId ?? null, key]))}`;

/**
 * Whether a finished request's response is kept for replay. As Stripe does: successes and
 * client errors are final; a 409 or 429 says "not now" and a 5xx says "not your fault", so
 * those free the key for a retry.
 */
export const isFinal = (statusCode: number): boolean => statusCode < 500 && statusCode !== 409 && statusCode !== 429;

export const replayOf = (response: StoredResponse): StoredResponse => ({
  ...response,
  headers: { ...response.headers, [REPLAYED_HEADER]: 'true' },
});

export interface BeginInput {
  key: string;
  payloadHash: string;
  /** How long the in-progress record may hold the key. */
  inProgressTtlMs: number;
}

/**
 * Claims the key for this request. Resolves undefined when the caller should run the handler
 * (the key is now held in progress), or the response to replay; throws when the key was used
 * with another payload (422) or its first request is still running (409).
 */
export const beginRequest = async (store: IdempotencyStore, input: BeginInput): Promise<StoredResponse | undefined> => {
  const record: IdempotencyRecord = {
    key: input.key,
    status: IDEMPOTENCY_STATUS.inProgress,
    payloadHash: input.payloadHash,
    expiresAt: Date.now() + input.inProgressTtlMs,
  };
  let existing: IdempotencyRecord | undefined;
  try {
    existing = await store.putIfAbsent(record);
  } catch {
    throw new IdempotencyStoreUnavailableError();
  }
  if (!existing) return undefined;
  if (existing.payloadHash !== input.payloadHash) throw new IdempotencyKeyReusedError();
  if (existing.status === IDEMPOTENCY_STATUS.completed && existing.response) return replayOf(existing.response);
  throw new IdempotencyInProgressError();
};

export interface FinishInput {
  key: string;
  payloadHash: string;
  response: StoredResponse;
  completedTtlMs: number;
}

/** Keeps a final response for replay, or frees the key when the response is not final. */
export const finishRequest = async (store: IdempotencyStore, input: FinishInput): Promise<void> => {
  if (!isFinal(input.response.statusCode)) {
    await store.delete(input.key);
    return;
  }
  await store.update({
    key: input.key,
    status: IDEMPOTENCY_STATUS.completed,
    payloadHash: input.payloadHash,
    expiresAt: Date.now() + input.completedTtlMs,
    response: { statusCode: input.response.statusCode, headers: input.response.headers ?? {}, body: input.response.body },
  });
};
