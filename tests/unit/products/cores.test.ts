import { describe, expect, it, vi } from 'vitest';
import { PlanLimitError } from '../../../layers/errors';
import { makeCreateProduct } from '../../../functions/products/create';
import { makeDeleteProduct } from '../../../functions/products/delete';
import type { ProductDeps } from '../../../functions/products/deps';
import { makeGetProduct } from '../../../functions/products/get';
import { makeListProducts } from '../../../functions/products/list';
import { changeFor, makeProjectProduct } from '../../../functions/products/on-product-changed';
import { makeApplyRating } from '../../../functions/products/on-rating-updated';
import { makeApplyStock } from '../../../functions/products/on-stock-changed';
import { makeSearchProducts } from '../../../functions/products/search';
import { makeUpdateProduct } from '../../../functions/products/update';
import { makeDeleteVariant } from '../../../functions/products/variant-delete';
import { makeUpsertVariant } from '../../../functions/products/variant-upsert';
import { productInput } from '../../../functions/products/schemas';
import { memoryProductStore, memoryViewStore } from '../../support/memory-stores';

const actor = { tenantId: 't1', userId: 'u1' };
const input = (overrides: Record<string, unknown> = {}) =>
  productInput.parse({ storeId: 's1', name: 'Linen Shirt', price: { amount: 1000, currency: 'USD' }, status: 'active', ...overrides });

/** A tenant's product allowance: `limit` per tenant, counted like layers/plans/quota.ts counts it. */
const memoryQuota = (limit = 100) => {
  const used = new Map<string, number>();
  return {
    used,
    reserve: vi.fn(async (tenantId: string) => {
      const count = used.get(tenantId) ?? 0;
      if (count + 1 > limit) throw new PlanLimitError('products', limit, 'FREE');
      used.set(tenantId, count + 1);
    }),
    release: vi.fn(async (tenantId: string) => void used.set(tenantId, Math.max(0, (used.get(tenantId) ?? 0) - 1))),
  };
};

const setup = (limit?: number) => {
  const { store, rows } = memoryProductStore();
  let counter = 0;
  const quota = memoryQuota(limit);
  const deps: ProductDeps = {
    store,
    newId: () => `0190a0a0-0000-7000-8000-${String(++counter).padStart(12, '0')}`,
    now: () => new Date('2026-11-25T10:00:00.000Z'),
    nudge: vi.fn(),
    quota,
  };
  return { deps, rows, store, quota };
};

describe('products write cores', () => {
  it('creates a product with its created event in the same write', async () => {
    const { deps, rows } = setup();
    const created = await makeCreateProduct(deps)(input(), actor);
    expect(created).toMatchObject({ tenantId: 't1', version: 1, name: 'Linen Shirt' });
    const row = rows.get(`t1/${created.id}`)!;
    expect(row.outbox).toHaveLength(1);
    expect(row.outbox[0]).toMatchObject({ type: 'products.product.created.v1', subject: created.id, tenantId: 't1', source: 'products-create' });
    expect(JSON.parse(row.outbox[0]!.data)).toEqual(created);
    expect(deps.nudge).toHaveBeenCalledOnce();
    expect(deps.nudge).toHaveBeenCalledWith(created.id);
  });

  it('updates at the expected version only', async () => {
    const { deps, rows } = setup();
    const created = await makeCreateProduct(deps)(input(), actor);
    const updated = await makeUpdateProduct(deps)('t1', created.id, 1, { name: 'Hemp Shirt' });
    expect(updated).toMatchObject({ name: 'Hemp Shirt', version: 2 });
    expect(rows.get(`t1/${created.id}`)!.outbox.map((e) => e.type)).toEqual(['products.product.created.v1', 'products.product.updated.v1']);
    await expect(makeUpdateProduct(deps)('t1', created.id, 1, { name: 'x' })).rejects.toMatchObject({ status: 412 });
    await expect(makeUpdateProduct(deps)('t2', created.id, 2, { name: 'x' })).rejects.toMatchObject({ status: 404 });
    expect(vi.mocked(deps.nudge).mock.calls).toEqual([[created.id], [created.id]]); // the create and the one update written
  });

  it('reports a lost race as a precondition failure', async () => {
    const { deps, store } = setup();
    const created = await makeCreateProduct(deps)(input(), actor);
    vi.spyOn(store, 'replace').mockResolvedValueOnce(false);
    await expect(makeUpdateProduct(deps)('t1', created.id, 1, { name: 'x' })).rejects.toMatchObject({ status: 412 });
  });

  it('upserts and deletes variants with their events', async () => {
    const { deps, rows } = setup();
    const created = await makeCreateProduct(deps)(input(), actor);
    const target = { tenantId: 't1', id: created.id, sku: 'LS-M' };
    const withVariant = await makeUpsertVariant(deps)({ ...target, expectedVersion: 1 }, { name: 'Medium', attributes: { size: 'M' } });
    expect(withVariant.variants).toEqual([{ sku: 'LS-M', name: 'Medium', attributes: { size: 'M' } }]);
    const without = await makeDeleteVariant(deps)({ ...target, expectedVersion: 2 });
    expect(without).toMatchObject({ variants: [], version: 3 });
    await expect(makeDeleteVariant(deps)({ ...target, expectedVersion: 3 })).rejects.toMatchObject({ status: 404 });
    const types = rows.get(`t1/${created.id}`)!.outbox.map((e) => e.type);
    expect(types).toEqual(['products.product.created.v1', 'products.variant.upserted.v1', 'products.variant.deleted.v1']);
  });

  it('soft-deletes at the expected version', async () => {
    const { deps, store } = setup();
    const created = await makeCreateProduct(deps)(input(), actor);
    await expect(makeDeleteProduct(deps)('t1', created.id, 2)).rejects.toMatchObject({ status: 412 });
    await makeDeleteProduct(deps)('t1', created.id, 1);
    expect(await store.get('t1', created.id)).toBeUndefined();
    expect(deps.nudge).toHaveBeenLastCalledWith(created.id);
    expect(deps.nudge).toHaveBeenCalledTimes(2);
    await expect(makeDeleteProduct(deps)('t1', created.id, 2)).rejects.toMatchObject({ status: 404 });
  });
});

describe('products plan quota', () => {
  it("counts each product created against the tenant's allowance and refuses past it, writing nothing", async () => {
    const { deps, rows, quota } = setup(2);
    await makeCreateProduct(deps)(input(), actor);
    await makeCreateProduct(deps)(input(), actor);
    await expect(makeCreateProduct(deps)(input(), actor)).rejects.toMatchObject({
      status: 403,
      code: 'plan_limit_exceeded',
      extras: { limit: { resource: 'products', max: 2, plan: 'FREE' } },
    });
    expect(rows.size).toBe(2);
    expect(quota.used.get('t1')).toBe(2);
    expect(deps.nudge).toHaveBeenCalledTimes(2);
    // Another tenant has its own allowance.
    await makeCreateProduct(deps)(input(), { tenantId: 't2', userId: 'u2' });
  });

  it('gives the reservation back when the write fails', async () => {
    const { deps, store, quota } = setup(5);
    vi.spyOn(store, 'insert').mockRejectedValueOnce(new Error('mongo down'));
    await expect(makeCreateProduct(deps)(input(), actor)).rejects.toThrow('mongo down');
    expect(quota.reserve).toHaveBeenCalledOnce();
    expect(quota.release).toHaveBeenCalledWith('t1');
    expect(quota.used.get('t1')).toBe(0);
  });

  it('reserves nothing for a request its own rules refuse', async () => {
    const { deps, quota } = setup(5);
    const twice = [
      { sku: 'A', name: 'a', attributes: {} },
      { sku: 'A', name: 'b', attributes: {} },
    ];
    await expect(makeCreateProduct(deps)(input({ variants: twice }), actor)).rejects.toMatchObject({ status: 409 });
    expect(quota.reserve).not.toHaveBeenCalled();
  });

  it('releases on delete, and only for a delete that happened; a failed release does not undo the delete', async () => {
    const { deps, store, quota } = setup(1);
    const created = await makeCreateProduct(deps)(input(), actor);
    await expect(makeDeleteProduct(deps)('t1', created.id, 2)).rejects.toMatchObject({ status: 412 });
    expect(quota.release).not.toHaveBeenCalled();
    await makeDeleteProduct(deps)('t1', created.id, 1);
    expect(quota.used.get('t1')).toBe(0);
    const next = await makeCreateProduct(deps)(input(), actor);
    quota.release.mockRejectedValueOnce(new Error('redis down'));
    await makeDeleteProduct(deps)('t1', next.id, 1);
    expect(await store.get('t1', next.id)).toBeUndefined();
  });
});

describe('products read cores', () => {
  it('lists a tenant page by page', async () => {
    const { deps } = setup();
    for (let i = 0; i < 5; i += 1) await makeCreateProduct(deps)(input({ name: `P${i}` }), actor);
    await makeCreateProduct(deps)(input(), { tenantId: 't2', userId: 'u2' });
    const list = makeListProducts(deps);
    const first = await list('t1', { limit: 2 });
    const second = await list('t1', { limit: 2, cursor: first.nextCursor! });
    const third = await list('t1', { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((p) => p.name)).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
    expect(third.nextCursor).toBeNull();
  });

  it('searches words, category and price range', async () => {
    const { deps } = setup();
    await makeCreateProduct(deps)(input({ name: 'Red Wool Scarf', category: 'accessories', price: { amount: 500, currency: 'USD' } }), actor);
    await makeCreateProduct(deps)(input({ name: 'Red Cotton Shirt', price: { amount: 1500, currency: 'USD' } }), actor);
    await makeCreateProduct(deps)(input({ name: 'Red Draft', status: 'draft' }), actor);
    const search = makeSearchProducts(deps);
    expect((await search('t1', { q: 'red', limit: 10 })).items.map((p) => p.name)).toEqual(['Red Wool Scarf', 'Red Cotton Shirt']);
    expect((await search('t1', { q: 'red wool', limit: 10 })).items).toHaveLength(1);
    expect((await search('t1', { q: '', maxPrice: 1000, limit: 10 })).items.map((p) => p.name)).toEqual(['Red Wool Scarf']);
    expect((await search('t1', { q: 'red', category: 'accessories', limit: 10 })).items).toHaveLength(1);
    await expect(search('t1', { q: '', minPrice: 10, maxPrice: 5, limit: 10 })).rejects.toMatchObject({ code: 'invalid_price_range' });
  });

  it('serves the view, falls back to the write model on a miss, and 404s the unknown', async () => {
    const { deps } = setup();
    const views = memoryViewStore();
    const created = await makeCreateProduct(deps)(input(), actor);
    const get = makeGetProduct({ store: deps.store, views });
    const missed = await get('t1', created.id);
    expect(missed).toMatchObject({ id: created.id, rating: { count: 0 }, inStock: null });
    expect(views.views.get(`t1/${created.id}`)?.product?.id).toBe(created.id);
    await makeApplyStock({ views })('t1', { productId: created.id, sku: 'A', available: 2, reserved: 0, version: 1 });
    expect(await get('t1', created.id)).toMatchObject({ inStock: true, stock: { A: { available: 2, reserved: 0 } } });
    await expect(get('t2', created.id)).rejects.toMatchObject({ status: 404 });
    await expect(get('t1', '0190a0a0-0000-7000-8000-999999999999')).rejects.toMatchObject({ status: 404 });
  });

  it('keeps stock projected before the product itself when it falls back to the write model', async () => {
    const { deps } = setup();
    const views = memoryViewStore();
    const created = await makeCreateProduct(deps)(input(), actor);
    await makeApplyStock({ views })('t1', { productId: created.id, sku: 'A', available: 3, reserved: 1, version: 1 });
    expect(await makeGetProduct({ store: deps.store, views })('t1', created.id)).toMatchObject({ stock: { A: { available: 3, reserved: 1 } }, inStock: true });
  });

  it('404s a deleted product held as a tombstone without asking the write model', async () => {
    const { deps } = setup();
    const views = memoryViewStore();
    const created = await makeCreateProduct(deps)(input(), actor);
    await makeProjectProduct({ views })({ type: 'products.product.deleted.v1', data: { id: created.id, version: 2 }, tenantId: 't1', subject: created.id });
    const get = vi.spyOn(deps.store, 'get');
    await expect(makeGetProduct({ store: deps.store, views })('t1', created.id)).rejects.toMatchObject({ status: 404 });
    expect(get).not.toHaveBeenCalled();
  });
});

describe('products projections', () => {
  it('projects snapshots from product and variant events', async () => {
    const { deps } = setup();
    const views = memoryViewStore();
    const created = await makeCreateProduct(deps)(input(), actor);
    const project = makeProjectProduct({ views });
    await project({ type: 'products.product.created.v1', data: created, tenantId: 't1', subject: created.id });
    await project({
      type: 'products.variant.upserted.v1',
      data: { sku: 'X', product: { ...created, version: 2, name: 'v2' } },
      tenantId: 't1',
      subject: created.id,
    });
    await project({ type: 'products.product.created.v1', data: created, tenantId: 't1', subject: created.id });
    const stored = views.views.get(`t1/${created.id}`)!;
    expect(stored.product).toMatchObject({ version: 2, name: 'v2' });
    expect(stored.rev).toBe(2);
    expect(changeFor({ type: 'products.variant.deleted.v1', data: { sku: 'X', product: created } })(stored)).toBeUndefined();
  });

  it('applies a rating once', async () => {
    const views = memoryViewStore();
    const apply = makeApplyRating({ views });
    expect(await apply('t1', { productId: 'p', ratingSum: 5, ratingCount: 1, version: 1 })).toBe(true);
    expect(await apply('t1', { productId: 'p', ratingSum: 5, ratingCount: 1, version: 1 })).toBe(false);
  });
});
