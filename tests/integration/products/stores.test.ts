import { afterAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections, redis } from '../../../layers/connections';
import { productStore } from '../../../functions/products/repository';
import { applyProductSnapshot, applyStock, viewStore } from '../../../functions/products/read-model';
import { buildProduct } from '../../../functions/products/rules';
import { productInput, type Product } from '../../../functions/products/schemas';
import { productCreated, productUpdated } from '../../../functions/products/events';

const tenant = () => `t-${uuidv7()}`;
const make = (tenantId: string, overrides: Record<string, unknown> = {}): Product =>
  buildProduct(productInput.parse({ storeId: 's1', name: 'Walnut Desk Lamp', status: 'active', price: { amount: 4500, currency: 'EUR' }, ...overrides }), {
    id: uuidv7(),
    tenantId,
    now: new Date(),
  });

afterAll(closeConnections);

describe('mongo product store (FerretDB)', () => {
  it('writes the product and its outbox in one document and reads it back', async () => {
    const store = await productStore();
    const tenantId = tenant();
    const product = make(tenantId, { variants: [{ sku: 'L-1', name: 'One', attributes: { colour: 'walnut' } }] });
    await store.insert(product, [productCreated.create({ subject: product.id, tenantId, data: product, source: 'test' })]);
    expect(await store.get(tenantId, product.id)).toEqual(product);
  });

  it('replaces only at the expected version, and never across tenants', async () => {
    const store = await productStore();
    const tenantId = tenant();
    const product = make(tenantId);
    await store.insert(product, []);
    const next = { ...product, name: 'Oak Desk Lamp', version: 2 };
    const event = productUpdated.create({ subject: product.id, tenantId, data: next, source: 'test' });
    expect(await store.replace(next, 1, [event])).toBe(true);
    expect(await store.replace({ ...next, version: 3 }, 1, [])).toBe(false);
    expect(await store.replace({ ...next, tenantId: tenant(), version: 3 }, 2, [])).toBe(false);
    expect((await store.get(tenantId, product.id))?.name).toBe('Oak Desk Lamp');
    expect(await store.get(tenant(), product.id)).toBeUndefined();
  });

  it('hides soft-deleted products', async () => {
    const store = await productStore();
    const tenantId = tenant();
    const product = make(tenantId);
    await store.insert(product, []);
    expect(await store.markDeleted(tenantId, product.id, 2, [], new Date())).toBe(false);
    expect(await store.markDeleted(tenantId, product.id, 1, [], new Date())).toBe(true);
    expect(await store.get(tenantId, product.id)).toBeUndefined();
    expect(await store.list(tenantId, {}, { limit: 10 })).toEqual([]);
  });

  it('lists by filter with id cursors, and searches words and price', async () => {
    const store = await productStore();
    const tenantId = tenant();
    const a = make(tenantId, { name: 'Red Wool Scarf', category: 'accessories', price: { amount: 900, currency: 'EUR' } });
    const b = make(tenantId, { name: 'Red Linen Shirt', price: { amount: 3000, currency: 'EUR' } });
    const c = make(tenantId, { name: 'Blue Linen Shirt', status: 'draft', storeId: 's2' });
    for (const p of [a, b, c]) await store.insert(p, []);
    await store.insert(make(tenant(), { name: 'Red Wool Scarf' }), []);
    expect((await store.list(tenantId, {}, { limit: 10 })).map((p) => p.id)).toEqual([a.id, b.id, c.id]);
    expect((await store.list(tenantId, {}, { after: a.id, limit: 1 })).map((p) => p.id)).toEqual([b.id]);
    expect((await store.list(tenantId, { storeId: 's2' }, { limit: 10 })).map((p) => p.id)).toEqual([c.id]);
    expect((await store.search(tenantId, { terms: ['red'] }, { limit: 10 })).map((p) => p.id)).toEqual([a.id, b.id]);
    expect((await store.search(tenantId, { terms: ['linen', 'shirt'] }, { limit: 10 })).map((p) => p.id)).toEqual([b.id]);
    expect((await store.search(tenantId, { terms: [], maxPrice: 1000 }, { limit: 10 })).map((p) => p.id)).toEqual([a.id]);
    expect((await store.search(tenantId, { terms: [], minPrice: 1000, category: 'uncategorised' }, { limit: 10 })).map((p) => p.id)).toEqual([b.id]);
  });
});

describe('redis product read model', () => {
  it('applies concurrent changes without losing any (compare-and-set)', async () => {
    const views = await viewStore();
    const tenantId = tenant();
    const product = make(tenantId);
    await views.update(tenantId, product.id, applyProductSnapshot(product));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => views.update(tenantId, product.id, applyStock({ sku: `S${i}`, available: i, reserved: 0, version: 1 }))),
    );
    const stored = await views.read(tenantId, product.id);
    expect(Object.keys(stored!.stock)).toHaveLength(20);
    expect(stored!.rev).toBe(21);
    expect(await views.update(tenantId, product.id, applyStock({ sku: 'S3', available: 3, reserved: 0, version: 1 }))).toBe(false);
    expect(await (await redis()).hget(`mp:pv:{${tenantId}}:${product.id}`, 'rev')).toBe('21');
  });
});
