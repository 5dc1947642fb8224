import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections, redis } from '../../../layers/connections';
import { invoke, useTestKeys } from '../support/invoke';
import { buyerTokens, seedProduct } from './support';

type Mod = Parameters<typeof invoke>[0];
type Cart = {
  buyerId: string;
  version: number;
  currency: string;
  subtotal: number;
  discount: number;
  total: number;
  items: { productId: string; sku: string; quantity: number; unitPrice: number | null; lineTotal: number; available: boolean; problem: string | null }[];
  coupon: { code: string; discount: number; valid: boolean; problem: string | null } | null;
};
let tokenOf: ReturnType<typeof buyerTokens>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  tokenOf = buyerTokens(await useTestKeys());
  const modules = {
    get: import('../../../functions/cart/get'),
    add: import('../../../functions/cart/add-item'),
    update: import('../../../functions/cart/update-item'),
    remove: import('../../../functions/cart/remove-item'),
    clear: import('../../../functions/cart/clear'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(closeConnections);

const buyer = async (tenantId = `t-${uuidv7()}`, userId = `u-${uuidv7()}`) => ({ tenantId, userId, token: await tokenOf(tenantId, userId) });
type Buyer = Awaited<ReturnType<typeof buyer>>;

const get = (b: Buyer) => invoke<Cart>(fns.get!, { token: b.token });
const add = (b: Buyer, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  invoke<Cart & { code?: string }>(fns.add!, { method: 'POST', token: b.token, body, headers });
const update = (b: Buyer, productId: string, sku: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  invoke<Cart & { code?: string }>(fns.update!, { method: 'PATCH', path: `/${productId}/${sku}`, token: b.token, body, headers });
const remove = (b: Buyer, productId: string, sku: string) =>
  invoke<Cart & { code?: string }>(fns.remove!, { method: 'DELETE', path: `/${productId}/${sku}`, token: b.token });

describe('cart handlers on FerretDB and Redis', () => {
  it('an unknown buyer has an empty cart at version 0', async () => {
    const b = await buyer();
    const reply = await get(b);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ buyerId: b.userId, items: [], subtotal: 0, discount: 0, total: 0, coupon: null, version: 0 });
    expect(reply.headers.etag).toBe('"0"');
  });

  it('add-item prices from the read model (variant price or product price); the same variant again adds up', async () => {
    const b = await buyer();
    const p = await seedProduct(b.tenantId, { price: 1000, variants: [{ sku: 'S' }, { sku: 'L', price: 1500 }] });
    expect((await add(b, { productId: p.id, sku: 'S', quantity: 2 })).body).toMatchObject({ version: 1, subtotal: 2000, total: 2000, currency: 'EUR' });
    const second = await add(b, { productId: p.id, sku: 'L', quantity: 1 });
    expect(second.status).toBe(200);
    expect(second.headers.etag).toBe('"2"');
    const third = await add(b, { productId: p.id, sku: 'S', quantity: 3 });
    expect(third.body.items).toEqual([
      expect.objectContaining({ productId: p.id, sku: 'S', quantity: 5, unitPrice: 1000, lineTotal: 5000, available: true, problem: null }),
      expect.objectContaining({ productId: p.id, sku: 'L', quantity: 1, unitPrice: 1500, lineTotal: 1500, available: true }),
    ]);
    expect(third.body).toMatchObject({ version: 3, subtotal: 6500, total: 6500 });
    // Served from the versioned cache now, which holds the same version.
    const cached = await (await redis()).hget(`mp:cart:{${b.tenantId}}:${b.userId}`, 'v');
    expect(cached).toBe('3');
    expect((await get(b)).body).toEqual(third.body);
  });

  it('update-item sets a quantity, remove-item drops a line, clear empties the cart and versions keep growing', async () => {
    const b = await buyer();
    const p = await seedProduct(b.tenantId, { price: 700, variants: [{ sku: 'A' }, { sku: 'B' }] });
    await add(b, { productId: p.id, sku: 'A', quantity: 1 });
    await add(b, { productId: p.id, sku: 'B', quantity: 1 });
    expect((await update(b, p.id, 'A', { quantity: 4 }, { 'if-match': '"2"' })).body).toMatchObject({ version: 3, subtotal: 3500 });
    expect((await remove(b, p.id, 'B')).body).toMatchObject({ version: 4, subtotal: 2800, items: [expect.objectContaining({ sku: 'A' })] });
    const cleared = await invoke<Cart>(fns.clear!, { method: 'DELETE', token: b.token });
    expect(cleared.body).toMatchObject({ version: 5, items: [], subtotal: 0, total: 0 });
    expect((await get(b)).body).toMatchObject({ version: 5, items: [] });
    // Clearing an empty cart writes nothing.
    expect((await invoke<Cart>(fns.clear!, { method: 'DELETE', token: b.token })).body.version).toBe(5);
  });

  it('a buyer sees only their own cart; another tenant sees nothing of it', async () => {
    const a = await buyer();
    const neighbour = await buyer(a.tenantId);
    const stranger = await buyer(`t-${uuidv7()}`, a.userId);
    const p = await seedProduct(a.tenantId);
    await add(a, { productId: p.id, sku: 'STD', quantity: 1 });
    expect((await get(neighbour)).body).toMatchObject({ buyerId: neighbour.userId, items: [], version: 0 });
    expect((await get(stranger)).body).toMatchObject({ items: [], version: 0 });
    // The same product id in another tenant is not for sale there.
    expect((await add(stranger, { productId: p.id, sku: 'STD', quantity: 1 })).body.code).toBe('product_unavailable');
    expect((await get(a)).body).toMatchObject({ version: 1, items: [expect.objectContaining({ productId: p.id })] });
  });

  it('a line whose product was withdrawn shows as unavailable and counts for nothing', async () => {
    const b = await buyer();
    const kept = await seedProduct(b.tenantId, { price: 400 });
    const withdrawn = await seedProduct(b.tenantId, { price: 900 });
    await add(b, { productId: kept.id, sku: 'STD', quantity: 1 });
    await add(b, { productId: withdrawn.id, sku: 'STD', quantity: 1 });
    const { applyProductSnapshot, viewStore } = await import('../../../functions/products/read-model');
    await (await viewStore()).update(b.tenantId, withdrawn.id, applyProductSnapshot({ ...withdrawn, status: 'archived', version: 2 }));
    await (await redis()).del(`mp:cart:{${b.tenantId}}:${b.userId}`);
    const reply = await get(b);
    expect(reply.body).toMatchObject({ subtotal: 400, total: 400 });
    expect(reply.body.items[1]).toMatchObject({ productId: withdrawn.id, available: false, problem: 'product_unavailable', lineTotal: 0 });
    // Adding more of it is refused; removing it is fine.
    expect((await update(b, withdrawn.id, 'STD', { quantity: 2 })).status).toBe(422);
    expect((await remove(b, withdrawn.id, 'STD')).body).toMatchObject({ items: [expect.objectContaining({ productId: kept.id })] });
  });

  describe('bad input → 4xx problem and nothing changed', () => {
    let b: Buyer;
    let p: Awaited<ReturnType<typeof seedProduct>>;
    beforeAll(async () => {
      b = await buyer();
      p = await seedProduct(b.tenantId, { price: 1000, variants: [{ sku: 'STD' }, { sku: 'FEW' }], stock: { FEW: 2 } });
      expect((await add(b, { productId: p.id, sku: 'STD', quantity: 999 })).status).toBe(200);
    });

    const unchanged = async () => {
      const reply = await get(b);
      expect(reply.body).toMatchObject({ version: 1, subtotal: 999_000, items: [expect.objectContaining({ sku: 'STD', quantity: 999 })] });
    };

    it.each([
      ['a client price', () => ({ productId: p.id, sku: 'STD', quantity: 1, unitPrice: 1 }), 400],
      ['a client total', () => ({ productId: p.id, sku: 'STD', quantity: 1, price: { amount: 1, currency: 'EUR' } }), 400],
      ['a zero quantity', () => ({ productId: p.id, sku: 'STD', quantity: 0 }), 400],
      ['a negative quantity', () => ({ productId: p.id, sku: 'STD', quantity: -3 }), 400],
      ['a fractional quantity', () => ({ productId: p.id, sku: 'STD', quantity: 1.5 }), 400],
      ['a quantity above 1000', () => ({ productId: p.id, sku: 'STD', quantity: 1001 }), 400],
      ['a string quantity', () => ({ productId: p.id, sku: 'STD', quantity: '2' }), 400],
      ['an operator for an id', () => ({ productId: { $ne: null }, sku: 'STD', quantity: 1 }), 400],
      ['a malformed product id', () => ({ productId: 'abc', sku: 'STD', quantity: 1 }), 400],
    ])('add-item with %s → %i', async (_name, body, status) => {
      const reply = await add(b, body());
      expect(reply.status).toBe(status);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      await unchanged();
    });

    it.each([
      ['an unknown variant', () => ({ productId: p.id, sku: 'NOPE', quantity: 1 }), 'variant_not_found'],
      ['an unknown product', () => ({ productId: uuidv7(), sku: 'STD', quantity: 1 }), 'product_unavailable'],
      ['more than the stock known', () => ({ productId: p.id, sku: 'FEW', quantity: 3 }), 'insufficient_stock'],
      ['a line past 1000 units', () => ({ productId: p.id, sku: 'STD', quantity: 2 }), 'quantity_limit'],
    ])('add-item with %s → 422 %s', async (_name, body, code) => {
      const reply = await add(b, body());
      expect(reply.status).toBe(422);
      expect(reply.body.code).toBe(code);
      await unchanged();
    });

    it('a draft product and a product in another currency → 422', async () => {
      const draft = await seedProduct(b.tenantId, { status: 'draft' });
      expect((await add(b, { productId: draft.id, sku: 'STD', quantity: 1 })).body.code).toBe('product_unavailable');
      const dollars = await seedProduct(b.tenantId, { currency: 'USD' });
      expect((await add(b, { productId: dollars.id, sku: 'STD', quantity: 1 })).body.code).toBe('mixed_currencies');
      await unchanged();
    });

    it('update-item: a price field, a zero quantity → 400; a missing line → 404; a stale If-Match → 412', async () => {
      expect((await update(b, p.id, 'STD', { quantity: 2, unitPrice: 5 })).status).toBe(400);
      expect((await update(b, p.id, 'STD', { quantity: 0 })).status).toBe(400);
      expect((await update(b, p.id, 'FEW', { quantity: 1 })).body).toMatchObject({ code: 'cart_line_not_found' });
      expect((await update(b, p.id, 'STD', { quantity: 5 }, { 'if-match': '"7"' })).status).toBe(412);
      expect((await update(b, p.id, 'STD', { quantity: 5 }, { 'if-match': 'nope' })).status).toBe(400);
      expect((await remove(b, p.id, 'FEW')).status).toBe(404);
      await unchanged();
    });

    it('no token → 401, malformed JSON → 400', async () => {
      expect((await invoke(fns.get!, {})).status).toBe(401);
      const { invokeHandler } = await import('../../../openfaas/template/node20-middy/adapter');
      const reply = await invokeHandler(fns.add!.default as never, {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${b.token}` },
        query: {},
        body: '{"productId":',
      });
      expect(reply.status).toBe(400);
      await unchanged();
    });
  });

  it('a cart holds at most 50 lines (51st → 422 cart_full)', async () => {
    const b = await buyer();
    const p = await seedProduct(b.tenantId, { variants: Array.from({ length: 51 }, (_, i) => ({ sku: `V${i}` })) });
    for (let i = 0; i < 50; i += 1) expect((await add(b, { productId: p.id, sku: `V${i}`, quantity: 1 })).status).toBe(200);
    const reply = await add(b, { productId: p.id, sku: 'V50', quantity: 1 });
    expect(reply).toMatchObject({ status: 422, body: { code: 'cart_full' } });
    expect((await get(b)).body).toMatchObject({ version: 50 });
    expect((await get(b)).body.items).toHaveLength(50);
  });
});
