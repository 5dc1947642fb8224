import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetConfigCache } from '../../../../layers/config';
import { PlanLimitError } from '../../../../layers/errors';
import { fits, LIMITED_RESOURCES, limitOf, limitsExceeded, PLAN_LIMITS, PLANS, requestRateOf } from '../../../../layers/plans';
import { forgetTenantPlan, tenantPlan, tenantPlanKey, writeTenantPlan } from '../../../../layers/plans/projection';
import { initUsage, releaseQuota, reserveQuota, setUsage, usageKey, usageOf } from '../../../../layers/plans/quota';

/** A stand-in for the few ioredis calls the plans layer makes; each records its arguments. */
const fakeRedis = (hashes: Record<string, Record<string, string>> = {}, evalReply: unknown = 1) => {
  const client = {
    hgetall: vi.fn(async (key: string) => ({ ...(hashes[key] ?? {}) })),
    eval: vi.fn(async (..._args: unknown[]) => evalReply),
    hset: vi.fn(async (..._args: unknown[]) => 1),
    multi: vi.fn((commands: unknown[][]) => ({ exec: async () => commands.map(() => [null, 1]) })),
  };
  return client as typeof client & Redis;
};

describe('plan limits', () => {
  it('orders plans from smallest to largest on every limit', () => {
    expect(PLANS).toEqual(['FREE', 'PRO', 'ENTERPRISE']);
    for (const resource of LIMITED_RESOURCES) {
      expect(limitOf('FREE', resource)!).toBeLessThan(limitOf('PRO', resource)!);
      expect(limitOf('ENTERPRISE', resource)).toBeNull();
    }
    expect(PLAN_LIMITS.FREE.requestsPerMinute).toBeLessThan(PLAN_LIMITS.PRO.requestsPerMinute);
    expect(PLAN_LIMITS.PRO.requestsPerMinute).toBeLessThan(PLAN_LIMITS.ENTERPRISE.requestsPerMinute);
    expect(Object.isFrozen(PLAN_LIMITS.FREE)).toBe(true);
  });

  it('fits usage up to and including the limit; unlimited fits anything', () => {
    expect(fits('FREE', 'products', 100)).toBe(true);
    expect(fits('FREE', 'products', 101)).toBe(false);
    expect(fits('FREE', 'stores', 1)).toBe(true);
    expect(fits('FREE', 'stores', 2)).toBe(false);
    expect(fits('ENTERPRISE', 'stores', 1_000_000)).toBe(true);
  });

  it('names every limit current usage exceeds, with what is used', () => {
    expect(limitsExceeded('FREE', { stores: 3, products: 100, staffSeats: 7 })).toEqual([
      { resource: 'stores', max: 1, used: 3, plan: 'FREE' },
      { resource: 'staffSeats', max: 2, used: 7, plan: 'FREE' },
    ]);
    expect(limitsExceeded('PRO', { stores: 3, products: 100, staffSeats: 7 })).toEqual([]);
    expect(limitsExceeded('ENTERPRISE', { stores: 10_000, products: 10_000_000, staffSeats: 5_000 })).toEqual([]);
  });

  it("turns a plan's requests per minute into a token bucket: a minute's burst, refilled per second", () => {
    expect(requestRateOf('FREE')).toEqual({ capacity: 600, refillPerSecond: 10 });
    expect(requestRateOf('PRO')).toEqual({ capacity: 6_000, refillPerSecond: 100 });
    expect(requestRateOf('ENTERPRISE')).toEqual({ capacity: 60_000, refillPerSecond: 1_000 });
  });
});

describe('tenant plan projection', () => {
  beforeEach(() => forgetTenantPlan());
  afterEach(() => {
    delete process.env.UNPROVISIONED_TENANT_PLAN;
    resetConfigCache();
  });

  it('reads the projected plan once and serves it from memory for a few seconds', async () => {
    const redis = fakeRedis({ [tenantPlanKey('t1')]: { plan: 'PRO', type: 'SELLER_BUSINESS', status: 'active', version: '3' } });
    const t0 = 1_000_000;
    expect(await tenantPlan('t1', redis, t0)).toEqual({ plan: 'PRO', type: 'SELLER_BUSINESS', status: 'active', version: 3 });
    expect(await tenantPlan('t1', redis, t0 + 4_999)).toMatchObject({ plan: 'PRO' });
    expect(redis.hgetall).toHaveBeenCalledTimes(1);
    expect(redis.hgetall).toHaveBeenCalledWith('mp:tenant:{t1}');
    await tenantPlan('t1', redis, t0 + 5_000);
    expect(redis.hgetall).toHaveBeenCalledTimes(2);
  });

  it('forgets one tenant or all on demand', async () => {
    const redis = fakeRedis({ [tenantPlanKey('t1')]: { plan: 'FREE', version: '1' }, [tenantPlanKey('t2')]: { plan: 'PRO', version: '1' } });
    await tenantPlan('t1', redis, 0);
    await tenantPlan('t2', redis, 0);
    forgetTenantPlan('t1');
    await tenantPlan('t1', redis, 0);
    await tenantPlan('t2', redis, 0);
    expect(redis.hgetall.mock.calls.map(([key]) => key)).toEqual(['mp:tenant:{t1}', 'mp:tenant:{t2}', 'mp:tenant:{t1}']);
    forgetTenantPlan();
    await tenantPlan('t2', redis, 0);
    expect(redis.hgetall).toHaveBeenCalledTimes(4);
  });

  it('gives a tenant with no projection (or a corrupt one) UNPROVISIONED_TENANT_PLAN, FREE by default', async () => {
    const redis = fakeRedis({ [tenantPlanKey('odd')]: { plan: 'GOLD', version: '9' } });
    expect(await tenantPlan('nobody', redis, 0)).toEqual({ plan: 'FREE', version: 0 });
    expect(await tenantPlan('odd', redis, 0)).toEqual({ plan: 'FREE', version: 0 });
    forgetTenantPlan();
    process.env.UNPROVISIONED_TENANT_PLAN = 'ENTERPRISE';
    resetConfigCache();
    expect(await tenantPlan('nobody', redis, 0)).toEqual({ plan: 'ENTERPRISE', version: 0 });
  });

  it('writes through the version-checked script and reports whether it applied', async () => {
    const applied = fakeRedis({}, 1);
    expect(await writeTenantPlan('t1', { plan: 'PRO', type: 'MARKETPLACE', status: 'active', version: 4 }, applied)).toBe(true);
    expect(applied.eval.mock.calls[0]!.slice(1)).toEqual([1, 'mp:tenant:{t1}', 'PRO', 'MARKETPLACE', 'active', '4']);
    expect(await writeTenantPlan('t1', { plan: 'FREE', type: 'MARKETPLACE', status: 'active', version: 2 }, fakeRedis({}, 0))).toBe(false);
  });
});

describe('quota', () => {
  beforeEach(() => forgetTenantPlan());

  it("reserves against the tenant's plan limit and answers the new count", async () => {
    const redis = fakeRedis({ [tenantPlanKey('t1')]: { plan: 'FREE', version: '1' } }, 7);
    expect(await reserveQuota('t1', 'products', { client: redis })).toBe(7);
    expect(redis.eval.mock.calls[0]!.slice(1)).toEqual([1, usageKey('t1'), 'products', '100', '1']);
  });

  it('passes -1 as the limit of an unlimited resource', async () => {
    const redis = fakeRedis({ [tenantPlanKey('t1')]: { plan: 'ENTERPRISE', version: '1' } }, 12);
    await reserveQuota('t1', 'stores', { client: redis, amount: 3 });
    expect(redis.eval.mock.calls[0]!.slice(1)).toEqual([1, usageKey('t1'), 'stores', '-1', '3']);
  });

  it('throws PlanLimitError naming the limit when the script refuses', async () => {
    const redis = fakeRedis({ [tenantPlanKey('t1')]: { plan: 'FREE', version: '1' } }, -1);
    const refused = await reserveQuota('t1', 'stores', { client: redis }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PlanLimitError);
    expect(refused).toMatchObject({
      status: 403,
      code: 'plan_limit_exceeded',
      message: 'The FREE plan allows at most 1 stores.',
      extras: { limit: { resource: 'stores', max: 1, plan: 'FREE' } },
    });
  });

  it('refuses amounts that are not positive integers before touching Redis', async () => {
    const redis = fakeRedis();
    for (const amount of [0, -1, 1.5]) {
      await expect(reserveQuota('t1', 'products', { client: redis, amount })).rejects.toThrow(TypeError);
      await expect(releaseQuota('t1', 'products', { client: redis, amount })).rejects.toThrow(TypeError);
    }
    expect(redis.eval).not.toHaveBeenCalled();
  });

  it('reads missing counters as zero', async () => {
    const redis = fakeRedis({ [usageKey('t1')]: { products: '4' } });
    expect(await usageOf('t1', redis)).toEqual({ stores: 0, products: 4, staffSeats: 0 });
  });

  it('overwrites counters on a recount and refuses nonsense counts', async () => {
    const redis = fakeRedis();
    await setUsage('t1', { products: 12, stores: 1 }, redis);
    expect(redis.hset).toHaveBeenCalledWith(usageKey('t1'), 'products', '12', 'stores', '1');
    await setUsage('t1', {}, redis);
    expect(redis.hset).toHaveBeenCalledTimes(1);
    await expect(setUsage('t1', { products: -1 }, redis)).rejects.toThrow(TypeError);
    await expect(setUsage('t1', { planets: 1 } as never, redis)).rejects.toThrow(TypeError);
  });

  it('starts every counter of a new tenant only where none exists', async () => {
    const redis = fakeRedis();
    await initUsage('t1', { staffSeats: 1 }, redis);
    expect(redis.multi).toHaveBeenCalledWith([
      ['hsetnx', usageKey('t1'), 'stores', '0'],
      ['hsetnx', usageKey('t1'), 'products', '0'],
      ['hsetnx', usageKey('t1'), 'staffSeats', '1'],
    ]);
  });
});
