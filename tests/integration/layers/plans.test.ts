import { randomUUID } from 'node:crypto';
import IORedis, { type Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeConnections } from '../../../layers/connections';
import { PlanLimitError } from '../../../layers/errors';
import { forgetTenantPlan, tenantPlan, tenantPlanKey, writeTenantPlan } from '../../../layers/plans/projection';
import { initUsage, releaseQuota, reserveQuota, setUsage, usageKey, usageOf } from '../../../layers/plans/quota';

let client: Redis;
const tenants: string[] = [];
const newTenant = () => {
  const id = `it-plans-${randomUUID()}`;
  tenants.push(id);
  return id;
};

beforeAll(async () => {
  client = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  await client.connect();
});
beforeEach(() => forgetTenantPlan());
afterAll(async () => {
  if (tenants.length > 0) await client.del(...tenants.flatMap((t) => [tenantPlanKey(t), usageKey(t)]));
  await client.quit();
  await closeConnections();
});

const project = (tenantId: string, plan: 'FREE' | 'PRO' | 'ENTERPRISE', version: number) =>
  writeTenantPlan(tenantId, { plan, type: 'SELLER_INDIVIDUAL', status: 'active', version }, client);

describe('tenant plan projection on Redis', () => {
  it('applies newer versions only, so a stale writer never rolls a plan back', async () => {
    const t = newTenant();
    expect(await project(t, 'FREE', 1)).toBe(true);
    expect(await project(t, 'PRO', 3)).toBe(true);
    expect(await project(t, 'FREE', 2)).toBe(false);
    expect(await project(t, 'FREE', 3)).toBe(false);
    expect(await client.hgetall(tenantPlanKey(t))).toEqual({ plan: 'PRO', type: 'SELLER_INDIVIDUAL', status: 'active', version: '3' });
    expect(await tenantPlan(t, client)).toEqual({ plan: 'PRO', type: 'SELLER_INDIVIDUAL', status: 'active', version: 3 });
  });

  it('serves a cached view until forgotten', async () => {
    const t = newTenant();
    await project(t, 'FREE', 1);
    expect((await tenantPlan(t, client)).plan).toBe('FREE');
    await project(t, 'ENTERPRISE', 2);
    expect((await tenantPlan(t, client)).plan).toBe('FREE');
    forgetTenantPlan(t);
    expect((await tenantPlan(t, client)).plan).toBe('ENTERPRISE');
  });
});

describe('quota on Redis', () => {
  it('lets exactly the limit through under concurrency and names the limit on refusal', async () => {
    const t = newTenant();
    await project(t, 'FREE', 1);
    const outcomes = await Promise.all(
      Array.from({ length: 130 }, () =>
        reserveQuota(t, 'products', { client }).then(
          () => 'ok',
          (error: unknown) => error,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(100);
    const refusals = outcomes.filter((o) => o !== 'ok');
    expect(refusals).toHaveLength(30);
    expect(refusals[0]).toBeInstanceOf(PlanLimitError);
    expect(refusals[0]).toMatchObject({ extras: { limit: { resource: 'products', max: 100, plan: 'FREE' } } });
    expect(await usageOf(t, client)).toEqual({ stores: 0, products: 100, staffSeats: 0 });
  });

  it('refuses a multi-unit reservation that would pass the limit, taking nothing', async () => {
    const t = newTenant();
    await project(t, 'FREE', 1);
    expect(await reserveQuota(t, 'staffSeats', { client })).toBe(1);
    await expect(reserveQuota(t, 'staffSeats', { client, amount: 2 })).rejects.toBeInstanceOf(PlanLimitError);
    expect((await usageOf(t, client)).staffSeats).toBe(1);
  });

  it('counts without limit on an unlimited plan', async () => {
    const t = newTenant();
    await project(t, 'ENTERPRISE', 1);
    expect(await reserveQuota(t, 'stores', { client, amount: 500 })).toBe(500);
  });

  it('releases down to zero, never below', async () => {
    const t = newTenant();
    await project(t, 'PRO', 1);
    await reserveQuota(t, 'stores', { client, amount: 2 });
    expect(await releaseQuota(t, 'stores', { client })).toBe(1);
    expect(await releaseQuota(t, 'stores', { client, amount: 5 })).toBe(0);
    expect(await releaseQuota(t, 'products', { client })).toBe(0);
    expect(await usageOf(t, client)).toEqual({ stores: 0, products: 0, staffSeats: 0 });
  });

  it('starts counters once: a second init keeps what was counted since; a recount overwrites', async () => {
    const t = newTenant();
    await project(t, 'PRO', 1);
    await initUsage(t, {}, client);
    await reserveQuota(t, 'products', { client, amount: 4 });
    await initUsage(t, {}, client);
    expect(await usageOf(t, client)).toEqual({ stores: 0, products: 4, staffSeats: 0 });
    await setUsage(t, { products: 2 }, client);
    expect((await usageOf(t, client)).products).toBe(2);
  });

  it('uses the shared connection when no client is given', async () => {
    const t = newTenant();
    await project(t, 'FREE', 1);
    await initUsage(t);
    expect(await reserveQuota(t, 'stores')).toBe(1);
    await expect(reserveQuota(t, 'stores')).rejects.toMatchObject({ status: 403, code: 'plan_limit_exceeded' });
    expect(await releaseQuota(t, 'stores')).toBe(0);
    await setUsage(t, { stores: 1 });
    expect(await usageOf(t)).toEqual({ stores: 1, products: 0, staffSeats: 0 });
  });
});
