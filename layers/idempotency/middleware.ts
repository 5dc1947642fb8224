import type middy from '@middy/core';
import { redis } from '../connections';
import { isAppError } from '../errors';
import { problemResponse } from '../http/problem';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';
import { DEFAULT_COMPLETED_TTL_MS, DEFAULT_IN_PROGRESS_TTL_MS, IDEMPOTENCY_HEADER, KEY_PATTERN, MIN_IN_PROGRESS_TTL_MS } from './constants';
import { beginRequest, finishRequest, payloadHash, scopedKey } from './core';
import { IdempotencyKeyInvalidError, IdempotencyKeyMissingError } from './errors';
import type { IdempotencyStore, StoredResponse } from './persistence';
import { RedisIdempotencyStore } from './redis-store';

export interface IdempotencyOptions {
  /** The persistence port; Redis through the shared connection when not given. */
  store?: IdempotencyStore;
  /** In-flight hold (ms) when the context has no `getRemainingTimeInMillis`. */
  inProgressTtlMs: number;
  /** How long (ms) a completed response is replayed. */
  completedTtlMs: number;
}

const defaults: IdempotencyOptions = {
  inProgressTtlMs: DEFAULT_IN_PROGRESS_TTL_MS,
  completedTtlMs: DEFAULT_COMPLETED_TTL_MS,
};

interface IdempotencyState {
  key: string;
  payloadHash: string;
}

type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext> & { internal: { idempotency?: IdempotencyState } };

/** The in-flight hold: the invocation's remaining time, as Powertools derives it from the timeout. */
const inProgressTtl = (context: FunctionContext, fallbackMs: number): number =>
  Math.max(MIN_IN_PROGRESS_TTL_MS, context.getRemainingTimeInMillis?.() ?? fallbackMs);

/**
 * Requires an `Idempotency-Key` and gives the operation Stripe's semantics: the first request
 * with a key runs; a retry with the same body replays its response (`idempotent-replayed: true`)
 * without running the handler; the same key with another body is 422 `idempotency_key_reused`;
 * a retry while the first is running is 409 `idempotency_in_progress`. Keys are scoped per
 * function, tenant and user (anonymous callers of a public operation share one scope, where
 * only an identical body replays). Runs after validation, so only requests that reach the
 * handler consume a key, and the payload hash covers the validated body.
 *
 * A replay is middy's early response: the handler and every `after` phase are skipped.
 */
export const idempotency = (opts: Partial<IdempotencyOptions> = {}): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const options: IdempotencyOptions = { ...defaults, ...opts };
  if (!(options.inProgressTtlMs > 0 && options.completedTtlMs > 0)) throw new TypeError('idempotency: TTLs must be positive milliseconds.');
  const store = options.store ?? new RedisIdempotencyStore({ redis });

  const idempotencyBefore = async (request: Request): Promise<HttpResponse | undefined> => {
    const { event, context } = request;
    const raw = event.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined || raw === '') throw new IdempotencyKeyMissingError();
    if (!KEY_PATTERN.test(raw)) throw new IdempotencyKeyInvalidError();
    const key = scopedKey({ functionName: context.functionName, tenantId: context.tenantId, userId: context.actor?.userId, key: raw });
    const hash = payloadHash({ method: event.method, path: event.path, body: event.body });
    const replay = await beginRequest(store, { key, payloadHash: hash, inProgressTtlMs: inProgressTtl(context, options.inProgressTtlMs) });
    if (replay) return replay;
    request.internal.idempotency = { key, payloadHash: hash };
    context.idempotencyKey = key;
    return undefined;
  };

  const finish = async (request: Request, response: StoredResponse): Promise<void> => {
    const state = request.internal.idempotency;
    if (!state) return;
    try {
      await finishRequest(store, { ...state, response, completedTtlMs: options.completedTtlMs });
    } catch (error) {
      // The response stands; the in-progress record expires on its own and the key frees then.
      request.context.log?.warn({ err: error }, 'idempotency record could not be finished');
    }
  };

  const idempotencyAfter = async (request: Request): Promise<void> => {
    if (request.response) await finish(request, { ...request.response, headers: request.response.headers ?? {} });
  };

  // Runs before httpErrors renders the error, so it renders the same problem to keep.
  const idempotencyOnError = async (request: Request): Promise<void> => {
    const { error, context } = request;
    const rendered = isAppError(error) ? problemResponse(error, `urn:request:${context.requestId}`) : { statusCode: 500, headers: {} };
    await finish(request, rendered);
  };

  return { before: idempotencyBefore, after: idempotencyAfter, onError: idempotencyOnError };
};
