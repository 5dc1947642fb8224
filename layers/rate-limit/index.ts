import type middy from '@middy/core';
import type { Redis } from 'ioredis';
import { redis as sharedRedis } from '../connections';
import { ServiceUnavailableError, TooManyRequestsError } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';
import { retryAfterSeconds, takeToken, type BucketDecision, type BucketSettings } from './bucket';

export { TOKEN_BUCKET_SCRIPT, bucketArgs, bucketTtlMs, parseDecision, retryAfterSeconds, takeToken, type BucketDecision, type BucketSettings } from './bucket';

export type RateLimitScope = 'tenant' | 'user' | 'ip';

export interface RateLimitOptions {
  /** Bucket size: the burst a caller may spend at once. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
  /** One bucket per scope; a scope with no value for this request (no actor, no IP) is skipped. */
  scopes: RateLimitScope[];
  /**
   * Prefix of the bucket keys. Buckets are shared by every function using the same prefix, so
   * an operation with its own limits (login: a few per IP) must use its own prefix.
   */
  keyPrefix: string;
  redis?: () => Promise<Redis>;
  /** When Redis fails or is slow: let the request through (logged) rather than refuse it. */
  failOpen: boolean;
  /** How long a request may wait for Redis before counting as a Redis failure. */
  timeoutMs?: number;
  /**
   * The tenant bucket's own settings (its plan's request rate), looked up per request; should
   * be cheap (cached). Without it the tenant bucket uses `capacity` and `refillPerSecond`.
   */
  tenantLimit?: (tenantId: string) => Promise<BucketSettings>;
}

const SCOPES: readonly RateLimitScope[] = ['tenant', 'user', 'ip'];

type Options = Required<Omit<RateLimitOptions, 'tenantLimit'>> & Pick<RateLimitOptions, 'tenantLimit'>;

const defaults: Options = {
  capacity: 100,
  refillPerSecond: 50,
  scopes: ['tenant', 'user', 'ip'],
  keyPrefix: 'rl:',
  redis: sharedRedis,
  failOpen: true,
  timeoutMs: 250,
};

const MAX_SCOPE_VALUE = 128;

interface RateLimitState {
  limit: number;
  remaining: number;
}

type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext> & { internal: { rateLimit?: RateLimitState } };

const scopeValue = (scope: RateLimitScope, event: HttpEvent, context: FunctionContext): string | undefined => {
  const value = scope === 'tenant' ? context.tenantId : scope === 'user' ? context.actor?.userId : event.sourceIp;
  return value ? value.slice(0, MAX_SCOPE_VALUE) : undefined;
};

/** The buckets that apply to a request, as [scope, key] pairs, in the order of `scopes`. */
export const bucketKeys = (options: Pick<RateLimitOptions, 'scopes' | 'keyPrefix'>, event: HttpEvent, context: FunctionContext): [RateLimitScope, string][] =>
  options.scopes.flatMap((scope) => {
    const value = scopeValue(scope, event, context);
    return value ? [[scope, `${options.keyPrefix}${scope}:${value}`] as [RateLimitScope, string]] : [];
  });

const validateSettings = ({ capacity, refillPerSecond }: BucketSettings, what = 'rateLimit'): void => {
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`${what}: capacity must be a positive integer.`);
  if (!(refillPerSecond > 0)) throw new TypeError(`${what}: refillPerSecond must be positive.`);
};

const validateOptions = (options: Options): void => {
  validateSettings(options);
  if (!options.scopes.every((scope) => SCOPES.includes(scope))) throw new TypeError(`rateLimit: scopes must be among ${SCOPES.join(', ')}.`);
  if (!(options.timeoutMs > 0)) throw new TypeError('rateLimit: timeoutMs must be positive.');
};

/** `work`, or a rejection once `ms` have passed; one promise and one timer per request. */
const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rate limit store did not answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/**
 * Token-bucket rate limiting per tenant, user and IP in Redis. A refused request gets 429 with
 * Retry-After naming the scope that ran dry; an allowed one gets `ratelimit-limit` and
 * `ratelimit-remaining` of the emptiest bucket on its response. The tenant bucket may have
 * settings of its own (`tenantLimit`: the tenant's plan).
 */
export const rateLimit = (opts: Partial<RateLimitOptions> = {}): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const options: Options = { ...defaults, ...opts };
  validateOptions(options);
  const settings: BucketSettings = { capacity: options.capacity, refillPerSecond: options.refillPerSecond };
  const { tenantLimit } = options;

  /** One settings object per bucket: the tenant's own where a resolver gives it, the defaults elsewhere. */
  const settingsOf = async (buckets: [RateLimitScope, string][], context: FunctionContext): Promise<BucketSettings[]> => {
    const tenantOwn = tenantLimit && context.tenantId && buckets.some(([scope]) => scope === 'tenant') ? await tenantLimit(context.tenantId) : undefined;
    if (tenantOwn) validateSettings(tenantOwn, 'rateLimit tenantLimit');
    return buckets.map(([scope]) => (scope === 'tenant' && tenantOwn) || settings);
  };

  const rateLimitBefore = async (request: Request): Promise<void> => {
    const buckets = bucketKeys(options, request.event, request.context);
    if (buckets.length === 0) return;
    let decision: BucketDecision;
    let applied: BucketSettings[];
    try {
      [decision, applied] = await withTimeout(
        Promise.all([options.redis(), settingsOf(buckets, request.context)]).then(async ([client, each]) => {
          const taken = await takeToken(
            client,
            buckets.map(([, key]) => key),
            each,
          );
          return [taken, each] as const;
        }),
        options.timeoutMs,
      );
    } catch (error) {
      if (!options.failOpen) throw new ServiceUnavailableError('Rate limiting is unavailable; retry later.', 'rate_limit_unavailable');
      request.context.log?.warn({ err: error }, 'rate limit store unavailable; request let through');
      return;
    }
    if (!decision.allowed) {
      const [scope] = buckets[decision.emptyIndex ?? 0] ?? buckets[0]!;
      throw new TooManyRequestsError(retryAfterSeconds(decision.retryAfterMs), scope);
    }
    request.internal.rateLimit = { limit: (applied[decision.emptiestIndex ?? 0] ?? settings).capacity, remaining: decision.remaining };
  };

  const rateLimitAfter = async (request: Request): Promise<void> => {
    const state = request.internal.rateLimit;
    const { response } = request;
    if (!state || !response) return;
    response.headers ??= {};
    response.headers['ratelimit-limit'] ??= String(state.limit);
    response.headers['ratelimit-remaining'] ??= String(state.remaining);
  };

  return { before: rateLimitBefore, after: rateLimitAfter };
};
