import { randomBytes } from 'node:crypto';
import type { OutboxEntry } from '../../../layers/events/outbox';
import { makeHasher } from '../../../functions/auth/codes';
import { authConfigSchema } from '../../../functions/auth/config';
import type { AuthDeps } from '../../../functions/auth/deps';
import type { PasswordHasher } from '../../../functions/auth/passwords';
import type { RefreshFamily, Signin, TenantRecord, User, UserChange, UserStore } from '../../../functions/auth/repository';
import type { AuthRedisStores, Challenge, CodeOutcome, RotationOutcome, SigninAttempt } from '../../../functions/auth/store';
import { PlanLimitError, TooManyRequestsError } from '../../../layers/errors';

/**
 * In-memory ports of the identity service, for unit tests of its cores. They keep the contracts
 * the Mongo and Redis adapters keep (conditional writes, single-use codes, rotation outcomes);
 * the adapters themselves are exercised by tests/integration/auth.
 */
const get = (doc: Record<string, unknown>, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], doc);
const set = (doc: Record<string, unknown>, path: string, value: unknown): void => {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce<Record<string, unknown>>((v, k) => v[k] as Record<string, unknown>, doc);
  parent[last] = value;
};
const matches = (doc: Record<string, unknown>, where: Record<string, unknown>): boolean =>
  Object.entries(where).every(([path, expected]) => {
    const actual = get(doc, path);
    if (Array.isArray(actual) && !Array.isArray(expected)) return actual.includes(expected);
    if (actual instanceof Date && expected instanceof Date) return actual.getTime() === expected.getTime();
    return actual === expected || (expected === null && actual === undefined);
  });

export const memoryUserStore = () => {
  const users = new Map<string, User & { outbox: OutboxEntry[] }>();
  const logins = new Map<string, { userId: string; tenantId: string; createdAt: Date }>();
  const tenants = new Map<string, TenantRecord>();
  const families = new Map<string, RefreshFamily>();
  const signins = new Map<string, Signin>();
  const store: UserStore = {
    async claimLogin(key, userId, tenantId, now) {
      const held = logins.get(key);
      if (held) return { claimed: false, holder: held.userId, since: held.createdAt };
      logins.set(key, { userId, tenantId, createdAt: now });
      return { claimed: true };
    },
    async takeOverLogin(key, stale, userId, tenantId, now) {
      if (logins.get(key)?.userId !== stale) return false;
      logins.set(key, { userId, tenantId, createdAt: now });
      return true;
    },
    async releaseLogin(key, userId) {
      if (logins.get(key)?.userId === userId) logins.delete(key);
    },
    async findLogin(key) {
      const held = logins.get(key);
      return held ? { userId: held.userId, tenantId: held.tenantId } : undefined;
    },
    async insertUser(user, events) {
      if (users.has(user._id)) throw Object.assign(new Error('duplicate'), { code: 11000 });
      users.set(user._id, { ...structuredClone(user), outbox: [...events] });
    },
    async byId(userId) {
      const doc = users.get(userId);
      if (!doc) return undefined;
      const { outbox: _outbox, ...user } = structuredClone(doc);
      return user;
    },
    async update(userId, tenantId, where, change: UserChange, events) {
      const doc = users.get(userId) as unknown as Record<string, unknown> | undefined;
      if (!doc || doc.tenantId !== tenantId || !matches(doc, where)) return false;
      for (const [path, value] of Object.entries(change.set ?? {})) set(doc, path, structuredClone(value));
      for (const [path, by] of Object.entries(change.inc ?? {})) set(doc, path, Number(get(doc, path) ?? 0) + by);
      for (const [path, values] of Object.entries(change.pullAll ?? {}))
        set(
          doc,
          path,
          (get(doc, path) as unknown[]).filter((v) => !values.includes(v)),
        );
      (doc.outbox as OutboxEntry[]).push(...events);
      return true;
    },
    async tenantExists(tenantId) {
      return tenants.has(tenantId);
    },
    async upsertTenant(tenant) {
      tenants.set(tenant._id, { ...tenant });
    },
    async insertFamily(family) {
      families.set(family._id, { ...family });
    },
    async family(familyId) {
      const family = families.get(familyId);
      return family ? { ...family } : undefined;
    },
    async revokeFamily(familyId, tenantId, reason, at) {
      const family = families.get(familyId);
      if (family && family.tenantId === tenantId && !family.revokedAt) Object.assign(family, { revokedAt: at, revokedReason: reason });
    },
    async recordSignin(signin) {
      if (!signins.has(signin._id)) signins.set(signin._id, { ...signin });
    },
    async listSignins(tenantId, before, limit) {
      return [...signins.values()]
        .filter((s) => s.tenantId === tenantId && (!before || s._id < before))
        .sort((a, b) => b._id.localeCompare(a._id))
        .slice(0, limit);
    },
  };
  return { store, users, logins, tenants, families, signins, outbox: (userId: string) => users.get(userId)?.outbox ?? [] };
};

export const memoryRedisStores = (clock: () => number) => {
  const codes = new Map<string, { h: string; n: number; until: number }>();
  const families = new Map<string, { current: string; used: Set<string>; revoked: boolean; until: number }>();
  const fails = new Map<string, { n: number; until: number }>();
  const locks = new Map<string, number>();
  const risk = new Map<string, SigninAttempt[]>();
  const challenges = new Map<string, { challenge: Challenge; n: number; until: number }>();
  const resets = new Map<string, { userId: string; until: number }>();
  const resetOf = new Map<string, string>();
  const attempts = new Map<string, { n: number; until: number }>();
  const live = <T extends { until: number }>(map: Map<string, T>, key: string): T | undefined => {
    const value = map.get(key);
    if (value && value.until <= clock()) map.delete(key);
    return value && value.until > clock() ? value : undefined;
  };
  const stores: AuthRedisStores = {
    codes: {
      async put(purpose, subject, h, ttlMs) {
        codes.set(`${purpose}:${subject}`, { h, n: 0, until: clock() + ttlMs });
      },
      async check(purpose, subject, h, max): Promise<CodeOutcome> {
        const key = `${purpose}:${subject}`;
        const code = live(codes, key);
        if (!code) return 'missing';
        if (code.h === h) {
          codes.delete(key);
          return 'ok';
        }
        code.n += 1;
        if (code.n >= max) {
          codes.delete(key);
          return 'burnt';
        }
        return 'invalid';
      },
    },
    refresh: {
      async create(familyId, h, expiresAtMs) {
        families.set(familyId, { current: h, used: new Set(), revoked: false, until: expiresAtMs });
      },
      async rotate(familyId, presented, next): Promise<RotationOutcome> {
        const family = live(families, familyId);
        if (!family) return 'unknown';
        if (family.revoked) return 'revoked';
        if (family.current === presented) {
          family.used.add(presented);
          family.current = next;
          return 'ok';
        }
        if (family.used.has(presented)) {
          family.revoked = true;
          return 'reused';
        }
        return 'invalid';
      },
      async revokeIfHeld(familyId, h) {
        const family = live(families, familyId);
        if (!family || (family.current !== h && !family.used.has(h))) return false;
        family.revoked = true;
        return true;
      },
      async revoke(familyId) {
        const family = live(families, familyId);
        if (family) family.revoked = true;
      },
    },
    lockout: {
      async lockedFor(key) {
        return Math.max(0, (locks.get(key) ?? 0) - clock());
      },
      async fail(key, max, windowMs, lockMs) {
        const n = (live(fails, key)?.n ?? 0) + 1;
        if (n >= max) {
          locks.set(key, clock() + lockMs);
          fails.delete(key);
          return { failures: n, lockedNow: true };
        }
        fails.set(key, { n, until: clock() + windowMs });
        return { failures: n, lockedNow: false };
      },
      async failures(key) {
        return live(fails, key)?.n ?? 0;
      },
      async clear(key) {
        fails.delete(key);
        locks.delete(key);
      },
    },
    risk: {
      async record(userId, attempt, keepMs) {
        risk.set(userId, [...(risk.get(userId) ?? []).filter((a) => a.at > attempt.at - keepMs), attempt]);
      },
      async since(userId, fromMs) {
        return (risk.get(userId) ?? []).filter((a) => a.at >= fromMs);
      },
    },
    challenges: {
      async put(id, challenge, ttlMs) {
        challenges.set(id, { challenge, n: 0, until: clock() + ttlMs });
      },
      async get(id) {
        return live(challenges, id)?.challenge;
      },
      async fail(id, max) {
        const entry = live(challenges, id);
        if (!entry) return max;
        entry.n += 1;
        if (entry.n >= max) challenges.delete(id);
        return entry.n;
      },
      async consume(id) {
        return challenges.delete(id);
      },
    },
    resets: {
      async put(userId, h, ttlMs) {
        const previous = resetOf.get(userId);
        if (previous) resets.delete(previous);
        resets.set(h, { userId, until: clock() + ttlMs });
        resetOf.set(userId, h);
      },
      async peek(h) {
        return live(resets, h)?.userId;
      },
      async consume(h) {
        const entry = live(resets, h);
        resets.delete(h);
        return entry?.userId;
      },
    },
    attempts: {
      async hit(key, windowMs) {
        const entry = live(attempts, key) ?? { n: 0, until: clock() + windowMs };
        entry.n += 1;
        attempts.set(key, entry);
        return entry.n;
      },
      async clear(key) {
        attempts.delete(key);
      },
    },
  };
  return { stores, codes, families, locks };
};

/** Stands in for bcrypt: same contract, no cost. */
export const plainHasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (password, hash) => hash === `plain:${password}`,
  verifyNothing: async () => false,
};

export const memoryDeps = (overrides: Partial<AuthDeps> = {}) => {
  let now = Date.parse('2026-05-01T10:00:00Z');
  const clock = () => now;
  const users = memoryUserStore();
  const redis = memoryRedisStores(clock);
  const seats = { used: 0, max: 2 };
  const buckets = new Map<string, number>();
  let ids = 0;
  const signed: unknown[] = [];
  const deps: AuthDeps = {
    ...redis.stores,
    config: authConfigSchema.parse({ NODE_ENV: 'test', BCRYPT_COST: '4' }),
    users: users.store,
    passwords: plainHasher,
    hash: makeHasher(randomBytes(32)),
    seal: async (plaintext) => `sealed(${plaintext})`,
    protect: async (plaintext) => `protected(${plaintext})`,
    reveal: async (value) => value.replace(/^protected\((.*)\)$/, '$1'),
    signer: {
      ttlSeconds: 600,
      sign: async (claims) => {
        signed.push(claims);
        return `token:${claims.sub}:${claims.tid}:${claims.roles.join(',')}`;
      },
    },
    newId: () => `0190a0a0-0000-7000-8000-${String((ids += 1)).padStart(12, '0')}`,
    now: () => new Date(now),
    nudge: () => undefined,
    seats: {
      take: async () => {
        if (seats.used >= seats.max) throw new PlanLimitError('staffSeats', seats.max, 'FREE');
        seats.used += 1;
      },
      release: async () => {
        seats.used = Math.max(0, seats.used - 1);
      },
    },
    limit: async (bucket, subject, settings, scope = 'email') => {
      const key = `${bucket}:${scope}:${subject}`;
      const used = (buckets.get(key) ?? 0) + 1;
      buckets.set(key, used);
      if (used > settings.capacity) throw new TooManyRequestsError(60, scope);
    },
    ...overrides,
  };
  return { deps, users, redis, seats, signed, advance: (ms: number) => (now += ms) };
};

/** The sealed secret of the last code issued to a user for `purpose` (memory seal is readable). */
export const lastCode = (outbox: OutboxEntry[], purpose: string): string => {
  const data = outbox
    .filter((e) => e.type === 'auth.code.issued.v1')
    .map((e) => JSON.parse(e.data) as { purpose: string; sealedSecret: string })
    .filter((d) => d.purpose === purpose)
    .at(-1);
  if (!data) throw new Error(`no ${purpose} code`);
  return data.sealedSecret.replace(/^sealed\((.*)\)$/, '$1');
};
