import type { Redis } from 'ioredis';
import { redis as sharedRedis } from '../../layers/connections';

/**
 * The identity service's short-lived state in Redis, every key with an explicit TTL. Anything
 * that must be checked and changed together (a code and its attempt counter, a refresh token
 * and its family) is one Lua script, so concurrent requests on many instances cannot both win.
 * Keys never hold input as given: emails and tokens arrive here as HMACs.
 */
export type CodeOutcome = 'ok' | 'invalid' | 'burnt' | 'missing';
export type RotationOutcome = 'ok' | 'reused' | 'invalid' | 'unknown' | 'revoked';

export interface CodeStore {
  /** Stores the hash of a new code for (purpose, subject), replacing an older one. */
  put(purpose: string, subject: string, hash: string, ttlMs: number): Promise<void>;
  /** Checks a code once: right → consumed; wrong → counted, and burnt at `maxAttempts`. */
  check(purpose: string, subject: string, hash: string, maxAttempts: number): Promise<CodeOutcome>;
}

export interface RefreshStore {
  create(familyId: string, hash: string, expiresAtMs: number): Promise<void>;
  /** Swaps the current token for the next one; a token used before revokes the family. */
  rotate(familyId: string, presented: string, next: string): Promise<RotationOutcome>;
  /** Revokes the family when `hash` is one of its tokens (current or used); false otherwise. */
  revokeIfHeld(familyId: string, hash: string): Promise<boolean>;
  revoke(familyId: string): Promise<void>;
}

export interface LockoutStore {
  /** Milliseconds the key stays locked; 0 when it is not. */
  lockedFor(key: string): Promise<number>;
  /** Counts a failure; at `max` the key locks for `lockMs` and `lockedNow` is true (once per lock). */
  fail(key: string, max: number, windowMs: number, lockMs: number): Promise<{ failures: number; lockedNow: boolean }>;
  /** Consecutive failures so far. */
  failures(key: string): Promise<number>;
  clear(key: string): Promise<void>;
}

export interface SigninAttempt {
  at: number;
  ip: string;
  device: string;
  ok: boolean;
  /** The device was not among the user's known devices at the time. */
  fresh?: boolean;
}

export interface RiskStore {
  record(userId: string, attempt: SigninAttempt, keepMs: number): Promise<void>;
  since(userId: string, fromMs: number): Promise<SigninAttempt[]>;
}

export interface Challenge {
  userId: string;
  tenantId: string;
  method: 'totp' | 'email' | 'sms';
  ip: string;
  device: string;
}

export interface ChallengeStore {
  put(id: string, challenge: Challenge, ttlMs: number): Promise<void>;
  get(id: string): Promise<Challenge | undefined>;
  /** Counts a wrong answer; the challenge is gone once `max` are reached. Returns the count. */
  fail(id: string, max: number): Promise<number>;
  /** Takes the challenge for good; false when someone else took it first. */
  consume(id: string): Promise<boolean>;
}

export interface ResetStore {
  /** Keeps `hash` → user for `ttlMs`, and forgets the user's previous token. */
  put(userId: string, hash: string, ttlMs: number): Promise<void>;
  peek(hash: string): Promise<string | undefined>;
  /** The user, once: the token is gone afterwards. */
  consume(hash: string): Promise<string | undefined>;
}

export interface AttemptCounter {
  /** Counts one attempt in a window of `windowMs`; returns the count in the window. */
  hit(key: string, windowMs: number): Promise<number>;
  clear(key: string): Promise<void>;
}

const CHECK_CODE = `
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return 'missing' end
if h == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 'ok'
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if n >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 'burnt'
end
return 'invalid'`;

const ROTATE = `
local current = redis.call('HGET', KEYS[1], 'c')
if not current then return 'unknown' end
if redis.call('HEXISTS', KEYS[1], 'revoked') == 1 then return 'revoked' end
if current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'c', ARGV[2], 'u:' .. ARGV[1], '1')
  return 'ok'
end
if redis.call('HEXISTS', KEYS[1], 'u:' .. ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return 'reused'
end
return 'invalid'`;

const REVOKE_IF_HELD = `
local current = redis.call('HGET', KEYS[1], 'c')
if not current then return 0 end
if current == ARGV[1] or redis.call('HEXISTS', KEYS[1], 'u:' .. ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return 1
end
return 0`;

const FAIL = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {n, 1}
end
return {n, 0}`;

const CHALLENGE_FAIL = `
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if n >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return n`;

const RESET_PUT = `
local previous = redis.call('GET', KEYS[2])
if previous then redis.call('DEL', ARGV[3] .. previous) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[2])
return 1`;

const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

const P = 'auth:';
const RESET_PREFIX = `${P}reset:`;

export const redisCodeStore = (r: Redis): CodeStore => ({
  async put(purpose, subject, hash, ttlMs) {
    const key = `${P}code:${purpose}:${subject}`;
    await r.multi().del(key).hset(key, 'h', hash, 'n', '0').pexpire(key, ttlMs).exec();
  },
  async check(purpose, subject, hash, maxAttempts) {
    return (await r.eval(CHECK_CODE, 1, `${P}code:${purpose}:${subject}`, hash, String(maxAttempts))) as CodeOutcome;
  },
});

export const redisRefreshStore = (r: Redis): RefreshStore => {
  const key = (familyId: string) => `${P}rf:${familyId}`;
  return {
    async create(familyId, hash, expiresAtMs) {
      await r.multi().hset(key(familyId), 'c', hash).pexpireat(key(familyId), expiresAtMs).exec();
    },
    async rotate(familyId, presented, next) {
      return (await r.eval(ROTATE, 1, key(familyId), presented, next)) as RotationOutcome;
    },
    async revokeIfHeld(familyId, hash) {
      return (await r.eval(REVOKE_IF_HELD, 1, key(familyId), hash)) === 1;
    },
    async revoke(familyId) {
      // Only a family still in Redis needs the mark; an expired one is gone already.
      if ((await r.exists(key(familyId))) === 1) await r.hset(key(familyId), 'revoked', '1');
    },
  };
};

export const redisLockoutStore = (r: Redis): LockoutStore => {
  const failKey = (key: string) => `${P}fail:${key}`;
  const lockKey = (key: string) => `${P}lock:${key}`;
  return {
    async lockedFor(key) {
      return Math.max(0, await r.pttl(lockKey(key)));
    },
    async fail(key, max, windowMs, lockMs) {
      const [failures, locked] = (await r.eval(FAIL, 2, failKey(key), lockKey(key), String(max), String(windowMs), String(lockMs))) as [number, number];
      return { failures, lockedNow: locked === 1 };
    },
    async failures(key) {
      return Number((await r.get(failKey(key))) ?? 0);
    },
    async clear(key) {
      await r.del(failKey(key), lockKey(key));
    },
  };
};

export const redisRiskStore = (r: Redis): RiskStore => {
  const key = (userId: string) => `${P}risk:${userId}`;
  return {
    async record(userId, attempt, keepMs) {
      await r
        .multi()
        .zadd(key(userId), attempt.at, JSON.stringify(attempt))
        .zremrangebyscore(key(userId), '-inf', attempt.at - keepMs)
        .pexpire(key(userId), keepMs)
        .exec();
    },
    async since(userId, fromMs) {
      const members = await r.zrangebyscore(key(userId), fromMs, '+inf');
      return members.map((member) => JSON.parse(member) as SigninAttempt);
    },
  };
};

export const redisChallengeStore = (r: Redis): ChallengeStore => {
  const key = (id: string) => `${P}2fa:${id}`;
  return {
    async put(id, challenge, ttlMs) {
      await r.multi().hset(key(id), 'c', JSON.stringify(challenge), 'n', '0').pexpire(key(id), ttlMs).exec();
    },
    async get(id) {
      const stored = await r.hget(key(id), 'c');
      return stored ? (JSON.parse(stored) as Challenge) : undefined;
    },
    async fail(id, max) {
      return Number(await r.eval(CHALLENGE_FAIL, 1, key(id), String(max)));
    },
    async consume(id) {
      return (await r.del(key(id))) === 1;
    },
  };
};

export const redisResetStore = (r: Redis): ResetStore => ({
  async put(userId, hash, ttlMs) {
    await r.eval(RESET_PUT, 2, `${RESET_PREFIX}${hash}`, `${P}reset-user:${userId}`, userId, String(ttlMs), RESET_PREFIX, hash);
  },
  async peek(hash) {
    return (await r.get(`${RESET_PREFIX}${hash}`)) ?? undefined;
  },
  async consume(hash) {
    return (await r.getdel(`${RESET_PREFIX}${hash}`)) ?? undefined;
  },
});

export const redisAttemptCounter = (r: Redis): AttemptCounter => ({
  async hit(key, windowMs) {
    return Number(await r.eval(HIT, 1, `${P}attempts:${key}`, String(windowMs)));
  },
  async clear(key) {
    await r.del(`${P}attempts:${key}`);
  },
});

export interface AuthRedisStores {
  codes: CodeStore;
  refresh: RefreshStore;
  lockout: LockoutStore;
  risk: RiskStore;
  challenges: ChallengeStore;
  resets: ResetStore;
  attempts: AttemptCounter;
}

export const redisStores = async (client?: Redis): Promise<AuthRedisStores> => {
  const r = client ?? (await sharedRedis());
  return {
    codes: redisCodeStore(r),
    refresh: redisRefreshStore(r),
    lockout: redisLockoutStore(r),
    risk: redisRiskStore(r),
    challenges: redisChallengeStore(r),
    resets: redisResetStore(r),
    attempts: redisAttemptCounter(r),
  };
};
