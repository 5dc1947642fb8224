import type { Redis } from 'ioredis';

/**
 * Token buckets, one per scope, checked and debited in one Lua script so that concurrent
 * requests on many function instances never overspend, and a refused request debits no
 * bucket at all. Time is Redis's own clock (`TIME`), not the callers', so instances with
 * skewed clocks agree. A bucket is a hash {t: tokens, ts: ms of last debit} with a TTL of
 * the time it takes to refill completely: an expired bucket and a full one are the same.
 *
 * ARGV is capacity, tokens per second and TTL (ms), either once for every bucket or once per
 * key, in key order (a tenant's bucket follows its plan while the user's and the IP's follow
 * the defaults). The reply is {allowed, bucket index, retry after ms, remaining}: when refused,
 * the index of the first empty bucket; when allowed, the index of the emptiest one and its
 * tokens left, both 1-based.
 *
 * All keys of one call go to one script, so on a Redis Cluster they would need a common
 * hash tag; the deployment runs a single primary (with replicas), where this does not arise.
 */
export const TOKEN_BUCKET_SCRIPT = `
local perKey = #ARGV >= 3 * #KEYS
local function settings(i)
  local base = 0
  if perKey then base = 3 * (i - 1) end
  return tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]) / 1000, tonumber(ARGV[base + 3])
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local tokens = {}
for i, key in ipairs(KEYS) do
  local capacity, perMs = settings(i)
  local state = redis.call('HMGET', key, 't', 'ts')
  local t = tonumber(state[1])
  local ts = tonumber(state[2])
  if t == nil or ts == nil then
    t = capacity
  else
    t = math.min(capacity, t + math.max(0, now - ts) * perMs)
  end
  if t < 1 then
    return {0, i, math.ceil((1 - t) / perMs), 0}
  end
  tokens[i] = t
end
local remaining = nil
local emptiest = 0
for i, key in ipairs(KEYS) do
  local _, _, ttl = settings(i)
  local t = tokens[i] - 1
  redis.call('HSET', key, 't', tostring(t), 'ts', tostring(now))
  redis.call('PEXPIRE', key, ttl)
  if remaining == nil or t < remaining then
    remaining = t
    emptiest = i
  end
end
return {1, emptiest, 0, math.floor(remaining or 0)}
`;

const COMMAND = 'marketplaceTokenBucket';

export interface BucketSettings {
  capacity: number;
  refillPerSecond: number;
}

export interface BucketDecision {
  allowed: boolean;
  /** Index (0-based) of the first empty bucket among the keys, when refused. */
  emptyIndex?: number;
  /** Index (0-based) of the bucket with the fewest tokens left, when allowed. */
  emptiestIndex?: number;
  /** Milliseconds until the empty bucket holds a token again, when refused. */
  retryAfterMs: number;
  /** Tokens left in the emptiest bucket after this request, when allowed. */
  remaining: number;
}

type ScriptClient = Pick<Redis, 'defineCommand'> & { [COMMAND]?: (numKeys: number, ...args: (string | number)[]) => Promise<unknown> };

/** A full bucket refills from empty in capacity / rate seconds; keep it no longer than that. */
export const bucketTtlMs = ({ capacity, refillPerSecond }: BucketSettings): number => Math.ceil((capacity / refillPerSecond) * 1000) + 1000;

export const parseDecision = (reply: unknown): BucketDecision => {
  if (!Array.isArray(reply) || reply.length !== 4) throw new TypeError('token bucket: unexpected script reply');
  const [allowed, index, retryAfterMs, remaining] = reply.map(Number) as [number, number, number, number];
  return allowed === 1
    ? { allowed: true, emptiestIndex: Math.max(0, index - 1), retryAfterMs: 0, remaining }
    : { allowed: false, emptyIndex: index - 1, retryAfterMs, remaining: 0 };
};

const sameSettings = (a: BucketSettings, b: BucketSettings): boolean => a.capacity === b.capacity && a.refillPerSecond === b.refillPerSecond;

/** The script's ARGV: one triple when every bucket has the same settings, else one per key. */
export const bucketArgs = (keyCount: number, settings: BucketSettings | readonly BucketSettings[]): number[] => {
  const each = Array.isArray(settings) ? (settings as readonly BucketSettings[]) : undefined;
  if (each && each.length !== keyCount) throw new TypeError('token bucket: one settings object per key, or one for all.');
  const triple = (s: BucketSettings) => [s.capacity, s.refillPerSecond, bucketTtlMs(s)];
  if (!each) return triple(settings as BucketSettings);
  return each.every((s) => sameSettings(s, each[0]!)) ? triple(each[0]!) : each.flatMap(triple);
};

/** Seconds for Retry-After: whole seconds, at least one. */
export const retryAfterSeconds = (retryAfterMs: number): number => Math.max(1, Math.ceil(retryAfterMs / 1000));

/**
 * Takes one token from every bucket, or none; `settings` is one for all buckets or one per key. ioredis's defined command sends EVALSHA and
 * falls back to EVAL (loading the script) when the server answers NOSCRIPT.
 */
export const takeToken = async (client: Redis, keys: readonly string[], settings: BucketSettings | readonly BucketSettings[]): Promise<BucketDecision> => {
  const args = bucketArgs(keys.length, settings);
  const scripted = client as unknown as ScriptClient;
  if (typeof scripted[COMMAND] !== 'function') scripted.defineCommand(COMMAND, { lua: TOKEN_BUCKET_SCRIPT });
  const reply = await scripted[COMMAND]!(keys.length, ...keys, ...args);
  return parseDecision(reply);
};
