import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections, redis } from '../../../layers/connections';
import type { CartView } from '../../../functions/cart/schemas';
import { invoke, useTestKeys } from '../support/invoke';
import { buyerTokens, seedProduct } from './support';

type Mod = Parameters<typeof invoke>[0];
let tokenOf: ReturnType<typeof buyerTokens>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  tokenOf = buyerTokens(await useTestKeys());
  const modules = { get: import('../../../functions/cart/get'), add: import('../../../functions/cart/add-item') };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(closeConnections);

const buyer = async () => {
  const tenantId = `t-${uuidv7()}`;
  const userId = `u-${uuidv7()}`;
  return { tenantId, userId, token: await tokenOf(tenantId, userId) };
};
const lockKey = (tenantId: string, userId: string) => `doclock:carts:${tenantId}:${userId}`;

describe('the cart lock', () => {
  it('20 concurrent add-items of different variants for one buyer all land: 20 lines, version 20', async () => {
    const b = await buyer();
    const p = await seedProduct(b.tenantId, { price: 100, variants: Array.from({ length: 20 }, (_, i) => ({ sku: `V${i}` })) });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        invoke<CartView>(fns.add!, { method: 'POST', token: b.token, body: { productId: p.id, sku: `V${i}`, quantity: 1 } }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(replies.map((r) => r.body.version))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 1)));
    const cart = (await invoke<CartView>(fns.get!, { token: b.token })).body;
    expect(cart).toMatchObject({ version: 20, subtotal: 2000 });
    expect(cart.items.map((line) => line.sku).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `V${i}`).sort());
  });

  it('15 concurrent add-items of one variant add up to 15', async () => {
    const b = await buyer();
    const p = await seedProduct(b.tenantId, { price: 100 });
    await Promise.all(
      Array.from({ length: 15 }, () => invoke(fns.add!, { method: 'POST', token: b.token, body: { productId: p.id, sku: 'STD', quantity: 1 } })),
    );
    expect((await invoke<CartView>(fns.get!, { token: b.token })).body).toMatchObject({ version: 15, items: [expect.objectContaining({ quantity: 15 })] });
  });

  it('a mutation waits for another holder and proceeds once its TTL frees the lock', async () => {
    const b = await buyer();
    const p = await seedProduct(b.tenantId);
    // A holder that died holding the lock: its lease runs out after 400 ms.
    await (await redis()).set(lockKey(b.tenantId, b.userId), 'a-dead-holder', 'PX', 400);
    const started = Date.now();
    const reply = await invoke<CartView>(fns.add!, { method: 'POST', token: b.token, body: { productId: p.id, sku: 'STD', quantity: 1 } });
    expect(reply.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await (await redis()).exists(lockKey(b.tenantId, b.userId))).toBe(0);
  });

  it('a lock held past the wait → 503 document_busy, and the cart is unchanged', async () => {
    const b = await buyer();
    const p = await seedProduct(b.tenantId);
    await (await redis()).set(lockKey(b.tenantId, b.userId), 'a-slow-holder', 'PX', 8_000);
    const reply = await invoke<{ code: string }>(fns.add!, { method: 'POST', token: b.token, body: { productId: p.id, sku: 'STD', quantity: 1 } });
    expect(reply).toMatchObject({ status: 503, body: { code: 'document_busy' } });
    // The holder's lease is untouched: only a holder releases its own lock.
    expect(await (await redis()).get(lockKey(b.tenantId, b.userId))).toBe('a-slow-holder');
    await (await redis()).del(lockKey(b.tenantId, b.userId));
    expect((await invoke<CartView>(fns.get!, { token: b.token })).body).toMatchObject({ version: 0, items: [] });
  }, 15_000);

  it('release is token-checked: a holder whose lease was taken over does not free the new holder’s lock', async () => {
    const { cartLock, CART_LOCK_SCOPE } = await import('../../../functions/cart/store');
    const id = `t-${uuidv7()}:u-1`;
    const client = await redis();
    await cartLock(CART_LOCK_SCOPE, id, async () => {
      expect(await client.get(`doclock:carts:${id}`)).toBeTruthy();
      // Our lease expired and another holder took the lock.
      await client.set(`doclock:carts:${id}`, 'the-next-holder', 'PX', 5_000);
    });
    expect(await client.get(`doclock:carts:${id}`)).toBe('the-next-holder');
    await client.del(`doclock:carts:${id}`);
  });

  it('a write at a version read before another writer moved the cart is refused (409 cart_conflict)', async () => {
    const { mutateCart } = await import('../../../functions/cart/mutate');
    const { cartDeps } = await import('../../../functions/cart/deps');
    const b = await buyer();
    const p = await seedProduct(b.tenantId);
    const deps = await cartDeps();
    // A lock that protects nothing, as a holder whose lease ran out: the conditional write is the last guard.
    const unlocked = { ...deps, lock: <T>(_s: string, _i: string, work: () => Promise<T>) => work() };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = mutateCart(unlocked, { tenantId: b.tenantId, buyerId: b.userId }, async () => {
      await gate;
      return { items: [{ productId: p.id, sku: 'STD', quantity: 7 }] };
    });
    await mutateCart(unlocked, { tenantId: b.tenantId, buyerId: b.userId }, async () => ({ items: [{ productId: p.id, sku: 'STD', quantity: 1 }] }));
    release();
    await expect(slow).rejects.toMatchObject({ status: 409, code: 'cart_conflict' });
    expect((await invoke<CartView>(fns.get!, { token: b.token })).body).toMatchObject({ version: 1, items: [expect.objectContaining({ quantity: 1 })] });
  });
});

describe('the versioned cart cache', () => {
  const view = (buyerId: string, version: number, subtotal = version * 100): CartView => ({
    buyerId,
    items: [],
    currency: 'EUR',
    subtotal,
    discount: 0,
    total: subtotal,
    coupon: null,
    version,
    updatedAt: null,
    pricedAt: new Date().toISOString(),
  });

  it('a stale version never overwrites a newer one; the same version only when priced later', async () => {
    const { cartCache } = await import('../../../functions/cart/store');
    const cache = await cartCache();
    const tenantId = `t-${uuidv7()}`;
    expect(await cache.write(tenantId, view('b', 5), 1_000)).toBe(true);
    expect(await cache.write(tenantId, view('b', 4), 9_000)).toBe(false);
    expect(await cache.write(tenantId, view('b', 5, 1), 1_000)).toBe(false);
    expect((await cache.read(tenantId, 'b'))?.view).toMatchObject({ version: 5, subtotal: 500 });
    expect(await cache.write(tenantId, view('b', 5, 555), 2_000)).toBe(true);
    expect(await cache.write(tenantId, view('b', 6), 1_500)).toBe(true);
    expect(await cache.read(tenantId, 'b')).toMatchObject({ pricedAt: 1_500, view: { version: 6 } });
  });

  it('40 concurrent writes of shuffled versions leave the highest', async () => {
    const { cartCache } = await import('../../../functions/cart/store');
    const cache = await cartCache();
    const tenantId = `t-${uuidv7()}`;
    const versions = Array.from({ length: 40 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    await Promise.all(versions.map((v) => cache.write(tenantId, view('b', v), Date.now())));
    expect((await cache.read(tenantId, 'b'))?.view.version).toBe(40);
  });

  it('a cart-get that priced an older version loses to the mutation that wrote a newer one', async () => {
    const { priceView } = await import('../../../functions/cart/mutate');
    const { cartDeps } = await import('../../../functions/cart/deps');
    const b = await buyer();
    const p = await seedProduct(b.tenantId, { price: 300 });
    const deps = await cartDeps();
    await invoke(fns.add!, { method: 'POST', token: b.token, body: { productId: p.id, sku: 'STD', quantity: 1 } });
    const atOne = (await deps.carts.read(b.tenantId, b.userId))!;
    await invoke(fns.add!, { method: 'POST', token: b.token, body: { productId: p.id, sku: 'STD', quantity: 1 } });
    // The slow reader priced version 1 and offers it now, after version 2 was cached.
    const late = await priceView(deps, atOne, new Date());
    expect(await deps.cache.write(b.tenantId, late, Date.now() + 1_000)).toBe(false);
    expect((await invoke<CartView>(fns.get!, { token: b.token })).body).toMatchObject({ version: 2, subtotal: 600 });
  });

  it('cart-get serves a fresh entry from the cache and prices again from Mongo once it is stale', async () => {
    const { applyProductSnapshot, viewStore } = await import('../../../functions/products/read-model');
    const b = await buyer();
    const p = await seedProduct(b.tenantId, { price: 300 });
    await invoke(fns.add!, { method: 'POST', token: b.token, body: { productId: p.id, sku: 'STD', quantity: 2 } });
    await (await viewStore()).update(b.tenantId, p.id, applyProductSnapshot({ ...p, price: { amount: 350, currency: 'EUR' }, version: 2 }));
    expect((await invoke<CartView>(fns.get!, { token: b.token })).body.subtotal).toBe(600);
    // A minute later the entry is stale: priced again at the new price, same cart version.
    await (await redis()).hset(`mp:cart:{${b.tenantId}}:${b.userId}`, 'p', String(Date.now() - 61_000));
    expect((await invoke<CartView>(fns.get!, { token: b.token })).body).toMatchObject({ version: 1, subtotal: 700 });
    // And without a cache at all, from Mongo.
    await (await redis()).del(`mp:cart:{${b.tenantId}}:${b.userId}`);
    expect((await invoke<CartView>(fns.get!, { token: b.token })).body).toMatchObject({ version: 1, subtotal: 700 });
  });
});
