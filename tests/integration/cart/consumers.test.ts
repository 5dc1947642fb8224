import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import type { CartView } from '../../../functions/cart/schemas';
import { orderCancelled, orderCreated } from '../../../functions/orders/events';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';
import { buyerTokens, deliver, seedProduct } from './support';

type Mod = Parameters<typeof invoke>[0];
let tokenOf: ReturnType<typeof buyerTokens>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  tokenOf = buyerTokens(await useTestKeys());
  const modules = {
    get: import('../../../functions/cart/get'),
    add: import('../../../functions/cart/add-item'),
    apply: import('../../../functions/cart/apply-coupon'),
    coupon: import('../../../functions/cart/coupon-create'),
    created: import('../../../functions/cart/on-order-created'),
    cancelled: import('../../../functions/cart/on-order-cancelled'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(closeConnections);

interface Line {
  productId: string;
  sku: string;
  quantity: number;
}

const orderData = (buyerId: string, orderId: string, lines: Line[], couponCode: string | null) => {
  const priced = lines.map((line) => ({ ...line, name: 'x', unitPrice: 100, lineTotal: 100 * line.quantity }));
  const subtotal = priced.reduce((sum, line) => sum + line.lineTotal, 0);
  return {
    orderId,
    buyerId,
    storeId: null,
    lines: priced,
    currency: 'EUR',
    total: subtotal,
    email: 'buyer@example.com',
    version: 1,
    subtotal,
    discount: 0,
    coupon: couponCode ? { code: couponCode } : null,
    checkout: { provider: 'stripe' as const, email: 'buyer@example.com', total: subtotal, currency: 'EUR' },
    createdAt: new Date().toISOString(),
  };
};

const placed = (tenantId: string, buyerId: string, orderId: string, lines: Line[], couponCode: string | null = null) =>
  orderCreated.create({ subject: orderId, tenantId, data: orderData(buyerId, orderId, lines, couponCode), source: 'orders-create' });

const cancelled = (tenantId: string, buyerId: string, orderId: string) => {
  const {
    subtotal: _s,
    discount: _d,
    coupon: _c,
    checkout: _k,
    createdAt: _a,
    ...ref
  } = orderData(buyerId, orderId, [{ productId: 'p', sku: 's', quantity: 1 }], null);
  return orderCancelled.create({
    subject: orderId,
    tenantId,
    data: { ...ref, reason: 'payment_failed', from: 'reserved' },
    source: 'orders-on-payment-failed',
  });
};

const setup = async () => {
  const tenantId = `t-${uuidv7()}`;
  const userId = `u-${uuidv7()}`;
  const token = await tokenOf(tenantId, userId);
  const p = await seedProduct(tenantId, { price: 100, variants: [{ sku: 'A' }, { sku: 'B' }] });
  await invoke(fns.add!, { method: 'POST', token, body: { productId: p.id, sku: 'A', quantity: 2 } });
  await invoke(fns.add!, { method: 'POST', token, body: { productId: p.id, sku: 'B', quantity: 1 } });
  const manager = await tokenOf(tenantId, 'mgr', ['manager']);
  const code = `C${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`;
  const validUntil = new Date(Date.now() + 3600_000).toISOString();
  expect(
    (
      await invoke(fns.coupon!, {
        method: 'POST',
        token: manager,
        body: { code, kind: 'percentage', value: 10, validUntil, usageLimit: 1 },
        headers: idempotencyKey(),
      })
    ).status,
  ).toBe(201);
  expect((await invoke<CartView>(fns.apply!, { method: 'POST', token, body: { code } })).body).toMatchObject({ version: 3, discount: 30 });
  const get = async () => (await invoke<CartView>(fns.get!, { token })).body;
  return { tenantId, userId, token, p, code, get };
};

describe('cart-on-order-created', () => {
  it('an order taken from the cart empties it and takes its coupon off; a redelivery changes nothing', async () => {
    const s = await setup();
    const orderId = uuidv7();
    const lines = [
      { productId: s.p.id, sku: 'A', quantity: 2 },
      { productId: s.p.id, sku: 'B', quantity: 1 },
    ];
    const event = placed(s.tenantId, s.userId, orderId, lines, s.code);
    expect((await deliver(fns.created!, event)).body.status).toBe('processed');
    expect(await s.get()).toMatchObject({ version: 4, items: [], coupon: null, subtotal: 0 });
    // The same event again: the inbox drops it. Another event of the same order: the cart remembers it.
    expect((await deliver(fns.created!, event)).body.status).toBe('duplicate');
    await invoke(fns.add!, { method: 'POST', token: s.token, body: { productId: s.p.id, sku: 'A', quantity: 2 } });
    expect((await deliver(fns.created!, placed(s.tenantId, s.userId, orderId, lines, s.code))).body.status).toBe('processed');
    expect(await s.get()).toMatchObject({ version: 5, items: [expect.objectContaining({ sku: 'A', quantity: 2 })] });
  });

  it('an order of other items takes out only what it bought', async () => {
    const s = await setup();
    await deliver(fns.created!, placed(s.tenantId, s.userId, uuidv7(), [{ productId: s.p.id, sku: 'A', quantity: 1 }]));
    expect(await s.get()).toMatchObject({
      version: 4,
      items: [expect.objectContaining({ sku: 'A', quantity: 1 }), expect.objectContaining({ sku: 'B', quantity: 1 })],
      coupon: { code: s.code },
    });
  });

  it('a buyer without a cart gets none', async () => {
    const tenantId = `t-${uuidv7()}`;
    const buyerId = `u-${uuidv7()}`;
    expect((await deliver(fns.created!, placed(tenantId, buyerId, uuidv7(), [{ productId: uuidv7(), sku: 'A', quantity: 1 }]))).status).toBe(200);
    const { cartSnapshots } = await import('../../../functions/cart/snapshot');
    expect(await (await cartSnapshots()).read(tenantId, buyerId)).toBeUndefined();
  });
});

describe('cart-on-order-cancelled', () => {
  it("gives the cancelled order's coupon use back, once", async () => {
    const s = await setup();
    const { couponLedger } = await import('../../../functions/cart/coupons');
    const ledger = await couponLedger();
    const orderId = uuidv7();
    const redeem = (customerId: string, id = uuidv7()) =>
      ledger.redeem({ tenantId: s.tenantId, code: s.code, customerId, orderId: id, subtotal: 300, currency: 'EUR', now: new Date() });
    expect(await redeem(s.userId, orderId)).toEqual({ code: s.code, discount: 30 });
    await expect(redeem('someone')).rejects.toMatchObject({ code: 'coupon_exhausted' });
    const event = cancelled(s.tenantId, s.userId, orderId);
    expect((await deliver(fns.cancelled!, event)).body.status).toBe('processed');
    expect((await deliver(fns.cancelled!, cancelled(s.tenantId, s.userId, orderId))).body.status).toBe('processed');
    expect(await redeem('someone')).toMatchObject({ discount: 30 });
    await expect(redeem('someone-else')).rejects.toMatchObject({ code: 'coupon_exhausted' });
  });

  it('an order without a coupon changes nothing', async () => {
    const tenantId = `t-${uuidv7()}`;
    expect((await deliver(fns.cancelled!, cancelled(tenantId, 'u', uuidv7()))).body.status).toBe('processed');
  });
});

describe('cart snapshots (orders-create reads the cart through them)', () => {
  it('read the stored lines, coupon and version', async () => {
    const s = await setup();
    const { cartSnapshots } = await import('../../../functions/cart/snapshot');
    expect(await (await cartSnapshots()).read(s.tenantId, s.userId)).toEqual({
      items: [
        { productId: s.p.id, sku: 'A', quantity: 2 },
        { productId: s.p.id, sku: 'B', quantity: 1 },
      ],
      couponCode: s.code,
      version: 3,
    });
    expect(await (await cartSnapshots()).read(`t-${uuidv7()}`, s.userId)).toBeUndefined();
  });
});
