import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';

type Mod = Parameters<typeof invoke>[0];
let token: (tenantId: string, roles?: ('customer' | 'staff' | 'manager' | 'owner')[]) => Promise<string>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  token = await useTestKeys();
  // Imported after the test keys are set: each function reads its configuration at load.
  const modules = {
    create: import('../../../functions/products/create'),
    get: import('../../../functions/products/get'),
    update: import('../../../functions/products/update'),
    delete: import('../../../functions/products/delete'),
    list: import('../../../functions/products/list'),
    search: import('../../../functions/products/search'),
    'variant-upsert': import('../../../functions/products/variant-upsert'),
    'variant-delete': import('../../../functions/products/variant-delete'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(closeConnections);

const body = (overrides: Record<string, unknown> = {}) => ({
  storeId: 'main',
  name: 'Glazed Stoneware Mug',
  status: 'active',
  price: { amount: 1800, currency: 'GBP' },
  ...overrides,
});

const create = async (tenantId: string, overrides: Record<string, unknown> = {}) => {
  const reply = await invoke<{ id: string; version: number }>(fns.create!, {
    method: 'POST',
    token: await token(tenantId),
    body: body(overrides),
    headers: idempotencyKey(),
  });
  expect(reply.status).toBe(201);
  return reply.body;
};

describe('products handlers on FerretDB and Redis', () => {
  it('create → get (read model seeded on a miss) with an ETag', async () => {
    const tenant = `t-${uuidv7()}`;
    const created = await create(tenant);
    const got = await invoke(fns.get!, { path: `/${created.id}`, token: await token(tenant, ['customer']) });
    expect(got).toMatchObject({ status: 200, body: { id: created.id, name: 'Glazed Stoneware Mug', rating: { count: 0 } } });
    expect(got.headers.etag).toBe('"1"');
  });

  it('update, variant upsert and delete follow versions', async () => {
    const tenant = `t-${uuidv7()}`;
    const auth = await token(tenant);
    const { id } = await create(tenant);
    expect(
      (
        await invoke(fns.update!, {
          method: 'PATCH',
          path: `/${id}`,
          token: auth,
          body: { price: { amount: 2000, currency: 'GBP' } },
          headers: { 'if-match': '"1"' },
        })
      ).body,
    ).toMatchObject({ version: 2, price: { amount: 2000 } });
    expect(
      (
        await invoke(fns['variant-upsert']!, {
          method: 'PUT',
          path: `/${id}/variants/MUG-L`,
          token: auth,
          body: { name: 'Large' },
          headers: { 'if-match': '"2"' },
        })
      ).body,
    ).toMatchObject({ version: 3, variants: [{ sku: 'MUG-L' }] });
    expect(
      (await invoke(fns['variant-delete']!, { method: 'DELETE', path: `/${id}/variants/MUG-L`, token: auth, headers: { 'if-match': '"3"' } })).body,
    ).toMatchObject({ version: 4, variants: [] });
    expect(
      (await invoke(fns['variant-delete']!, { method: 'DELETE', path: `/${id}/variants/MUG-L`, token: auth, headers: { 'if-match': '"4"' } })).status,
    ).toBe(404);
    expect((await invoke(fns.delete!, { method: 'DELETE', path: `/${id}`, token: auth, headers: { 'if-match': '"3"' } })).status).toBe(412);
    expect((await invoke(fns.delete!, { method: 'DELETE', path: `/${id}`, token: auth, headers: { 'if-match': '"4"' } })).status).toBe(204);
    expect((await invoke(fns.list!, { token: auth })).body).toMatchObject({ items: [], nextCursor: null });
  });

  it('lists and searches one tenant only', async () => {
    const a = `t-${uuidv7()}`;
    const b = `t-${uuidv7()}`;
    await create(a, { name: 'Speckled Mug' });
    await create(b, { name: 'Speckled Mug' });
    const listed = await invoke<{ items: { tenantId: string }[] }>(fns.list!, { token: await token(a), query: { limit: '10' } });
    expect(listed.body.items.map((p) => p.tenantId)).toEqual([a]);
    const found = await invoke<{ items: { tenantId: string }[] }>(fns.search!, { token: await token(b), query: { q: 'speckled mug' } });
    expect(found.body.items.map((p) => p.tenantId)).toEqual([b]);
  });

  it.each([
    ['get', { path: '/ID' }],
    ['update', { method: 'PATCH', path: '/ID', body: { name: 'mine now' }, headers: { 'if-match': '"1"' } }],
    ['delete', { method: 'DELETE', path: '/ID', headers: { 'if-match': '"1"' } }],
    ['variant-upsert', { method: 'PUT', path: '/ID/variants/X1', body: { name: 'x' }, headers: { 'if-match': '"1"' } }],
    ['variant-delete', { method: 'DELETE', path: '/ID/variants/X1', headers: { 'if-match': '"1"' } }],
  ])("another tenant's token on %s → 404, and the owner's product is untouched", async (fn, call) => {
    const owner = `t-${uuidv7()}`;
    const { id } = await create(owner);
    const reply = await invoke(fns[fn]!, { ...call, path: call.path.replace('ID', id), token: await token(`t-${uuidv7()}`) } as never);
    expect(reply.status).toBe(404);
    const mine = await invoke(fns.get!, { path: `/${id}`, token: await token(owner) });
    expect(mine.body).toMatchObject({ version: 1, name: 'Glazed Stoneware Mug' });
  });

  it.each([
    ['create', 'customer', { method: 'POST', body: body(), headers: { 'idempotency-key': 'k-1' } }],
    ['update', 'customer', { method: 'PATCH', path: '/0190a0a0-0000-7000-8000-000000000001', body: { name: 'x' }, headers: { 'if-match': '"1"' } }],
    ['delete', 'staff', { method: 'DELETE', path: '/0190a0a0-0000-7000-8000-000000000001', headers: { 'if-match': '"1"' } }],
  ])('%s refuses the %s role with 403', async (fn, role, call) => {
    const reply = await invoke(fns[fn]!, { ...call, token: await token(`t-${uuidv7()}`, [role as 'customer']) } as never);
    expect(reply).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
  });
});
