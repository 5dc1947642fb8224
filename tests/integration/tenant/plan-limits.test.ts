import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnections, redis } from '../../../layers/connections';
import { tenantPlanKey } from '../../../layers/plans/projection';
import { setUsage, usageKey, usageOf } from '../../../layers/plans/quota';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';
import { CONNECTOR_SECRET, deliver, newTenantId, onboardingCompleted } from './support';

type Mod = Parameters<typeof invoke>[0];
let token: Awaited<ReturnType<typeof useTestKeys>>;
const fns: Record<string, Mod> = {};
const touched: string[] = [];

beforeAll(async () => {
  token = await useTestKeys();
  process.env.CONNECTOR_SECRET = CONNECTOR_SECRET;
  const modules = {
    provision: import('../../../functions/tenant/on-onboarding-completed'),
    'plan-change': import('../../../functions/tenant/plan-change'),
    usage: import('../../../functions/tenant/usage'),
    create: import('../../../functions/products/create'),
    delete: import('../../../functions/products/delete'),
    list: import('../../../functions/products/list'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});

afterAll(async () => {
  if (touched.length > 0) await (await redis()).del(...touched.flatMap((t) => [tenantPlanKey(t), usageKey(t)]));
  await closeConnections();
});

const provisionFree = async () => {
  const tenantId = newTenantId();
  touched.push(tenantId);
  expect((await deliver(fns.provision!, onboardingCompleted(tenantId, { plan: 'FREE' }))).body).toEqual({ status: 'processed' });
  return tenantId;
};

const product = { storeId: 'main', name: 'Walnut Desk Tidy', status: 'active', price: { amount: 3400, currency: 'EUR' } };

describe('the products limit of a plan, at the edge of products-create', () => {
  it('refuses the product past a FREE tenant’s limit with 403 naming the limit, creates nothing, and frees a place on delete', async () => {
    const tenantId = await provisionFree();
    const owner = await token(tenantId, ['owner']);
    const create = () => invoke<{ id: string }>(fns.create!, { method: 'POST', token: owner, body: product, headers: idempotencyKey() });
    await setUsage(tenantId, { products: 99 });

    const last = await create();
    expect(last.status).toBe(201);
    expect((await usageOf(tenantId)).products).toBe(100);

    const refused = await create();
    expect(refused).toMatchObject({
      status: 403,
      body: {
        code: 'plan_limit_exceeded',
        detail: 'The FREE plan allows at most 100 products.',
        limit: { resource: 'products', max: 100, plan: 'FREE' },
      },
    });
    expect(refused.headers['content-type']).toBe('application/problem+json');
    const listed = await invoke<{ items: { id: string }[] }>(fns.list!, { token: owner, query: { limit: '10' } });
    expect(listed.body.items.map((p) => p.id)).toEqual([last.body.id]);
    expect((await usageOf(tenantId)).products).toBe(100);

    expect((await invoke(fns.delete!, { method: 'DELETE', path: `/${last.body.id}`, token: owner, headers: { 'if-match': '"1"' } })).status).toBe(204);
    expect((await usageOf(tenantId)).products).toBe(99);
    expect((await create()).status).toBe(201);
  });

  it('lifts the limit with the plan: after an upgrade to PRO the same tenant creates again', async () => {
    const tenantId = await provisionFree();
    const owner = await token(tenantId, ['owner']);
    await setUsage(tenantId, { products: 100 });
    const create = () => invoke(fns.create!, { method: 'POST', token: owner, body: product, headers: idempotencyKey() });
    expect((await create()).status).toBe(403);
    expect((await invoke(fns['plan-change']!, { method: 'POST', token: owner, body: { plan: 'PRO' } })).status).toBe(200);
    expect((await create()).status).toBe(201);
    expect(await invoke(fns.usage!, { token: owner })).toMatchObject({
      status: 200,
      body: { plan: 'PRO', usage: { products: 101 }, limits: { products: 10_000 } },
    });
  });
});
