import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import { paymentSucceeded } from '../../../functions/payment/events';
import { idempotencyKey, invoke } from '../support/invoke';
import { deliver, newTenant, newUser, orderBody, ordersCollection, outboxOf, placeOrder, seedProduct, storedOrder, useOrderKeys, type Mod } from './support';

let sign: Awaited<ReturnType<typeof useOrderKeys>>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  sign = await useOrderKeys();
  // Imported after the test keys are set: each function reads its configuration at load.
  const modules = {
    create: import('../../../functions/orders/create'),
    get: import('../../../functions/orders/get'),
    cancel: import('../../../functions/orders/cancel'),
    fulfil: import('../../../functions/orders/fulfil'),
    deliver: import('../../../functions/orders/deliver'),
    paid: import('../../../functions/orders/on-payment-succeeded'),
    'coupon-create': import('../../../functions/cart/coupon-create'),
    'add-item': import('../../../functions/cart/add-item'),
    'apply-coupon': import('../../../functions/cart/apply-coupon'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(closeConnections);

/** A tenant with two products in its read model, a buyer and a staff member. */
const shop = async () => {
  const tenantId = newTenant();
  const mug = await seedProduct(tenantId);
  const plate = await seedProduct(tenantId, {
    name: 'Dinner Plate',
    price: { amount: 950, currency: 'GBP' },
    variants: [{ sku: 'PLATE', name: 'Dinner Plate', attributes: {} }],
  });
  const buyerId = newUser();
  return {
    tenantId,
    mug,
    plate,
    buyerId,
    buyer: await sign(tenantId, buyerId),
    otherBuyer: await sign(tenantId, newUser()),
    staff: await sign(tenantId, newUser(), ['staff']),
    manager: await sign(tenantId, newUser(), ['manager']),
  };
};

const ordersOf = async (tenantId: string) => (await ordersCollection()).countDocuments({ tenantId });

/** Confirms an order the way the saga does: payment's success event delivered to orders-on-payment-succeeded. */
const confirm = async (tenantId: string, orderId: string, total: number) => {
  const event = paymentSucceeded.create({
    subject: orderId,
    tenantId,
    source: 'payment-webhook-stripe',
    data: { orderId, paymentId: `pay-${orderId}`, provider: 'stripe', amount: total, currency: 'GBP', providerReference: 'pi_123' },
  });
  expect(await deliver(fns.paid!, event)).toEqual({ status: 200, body: { status: 'processed' } });
};

describe('orders-create on FerretDB and Redis', () => {
  it('prices every line from the read model and writes the order with its created event in one document', async () => {
    const s = await shop();
    const reply = await invoke<Record<string, unknown> & { id: string }>(fns.create!, {
      method: 'POST',
      token: s.buyer,
      headers: idempotencyKey(),
      body: orderBody([
        { productId: s.mug.id, sku: 'MUG-L', quantity: 2 },
        { productId: s.plate.id, sku: 'PLATE', quantity: 1 },
      ]),
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      tenantId: s.tenantId,
      buyerId: s.buyerId,
      storeId: 'main',
      state: 'pending',
      version: 1,
      currency: 'GBP',
      subtotal: 5750,
      discount: 0,
      total: 5750,
      payment: { provider: 'stripe', paymentId: null },
      lines: [
        { productId: s.mug.id, sku: 'MUG-L', name: 'Stoneware Mug (Large)', quantity: 2, unitPrice: 2400, lineTotal: 4800 },
        { productId: s.plate.id, sku: 'PLATE', name: 'Dinner Plate', quantity: 1, unitPrice: 950, lineTotal: 950 },
      ],
    });
    expect(reply.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(JSON.stringify(reply.body)).not.toContain('pm_card_visa');
    expect(reply.headers).toMatchObject({ etag: '"1"', location: `/function/orders-get/${reply.body.id}` });
    const stored = await storedOrder(reply.body.id);
    expect(stored).toMatchObject({ _id: reply.body.id, tenantId: s.tenantId, state: 'pending', version: 1, total: 5750 });
    expect(stored!.outbox.map((e) => e.type)).toEqual(['orders.order.created.v1']);
    expect(JSON.parse(stored!.outbox[0]!.data)).toMatchObject({
      orderId: reply.body.id,
      buyerId: s.buyerId,
      total: 5750,
      subtotal: 5750,
      coupon: null,
      version: 1,
      checkout: { provider: 'stripe', method: 'pm_card_visa', email: 'ada@example.com', total: 5750, currency: 'GBP' },
    });
  });

  it('redeems a coupon of the cart ledger; an exhausted one is a 422 and places nothing', async () => {
    const s = await shop();
    const coupon = await invoke(fns['coupon-create']!, {
      method: 'POST',
      token: s.manager,
      headers: idempotencyKey(),
      body: { code: 'ONCE10', kind: 'percentage', value: 10, validUntil: new Date(Date.now() + 86_400_000).toISOString(), usageLimit: 1 },
    });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
    const lines = [{ productId: s.mug.id, sku: 'MUG-S', quantity: 5 }];
    const first = await placeOrder(fns.create!, s.buyer, orderBody(lines, { couponCode: 'once10' }));
    expect(first).toMatchObject({ subtotal: 9000, discount: 900, total: 8100, coupon: { code: 'ONCE10', discount: 900 } });
    const second = await invoke(fns.create!, {
      method: 'POST',
      token: s.otherBuyer,
      headers: idempotencyKey(),
      body: orderBody(lines, { couponCode: 'ONCE10' }),
    });
    expect(second).toMatchObject({ status: 422, body: { code: 'coupon_exhausted' } });
    const unknown = await invoke(fns.create!, {
      method: 'POST',
      token: s.otherBuyer,
      headers: idempotencyKey(),
      body: orderBody(lines, { couponCode: 'NOSUCH' }),
    });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'coupon_not_found' } });
    expect(await ordersOf(s.tenantId)).toBe(1);
  });

  it("takes the order from the buyer's cart, coupon included, when no items are sent", async () => {
    const s = await shop();
    const coupon = await invoke(fns['coupon-create']!, {
      method: 'POST',
      token: s.manager,
      headers: idempotencyKey(),
      body: { code: 'CART5', kind: 'fixed', value: 500, currency: 'GBP', validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(coupon.status, JSON.stringify(coupon.body)).toBe(201);
    const added = await invoke(fns['add-item']!, { method: 'POST', token: s.buyer, body: { productId: s.plate.id, sku: 'PLATE', quantity: 3 } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect((await invoke(fns['apply-coupon']!, { method: 'POST', token: s.buyer, body: { code: 'CART5' } })).status).toBe(200);
    const placed = await placeOrder(fns.create!, s.buyer, { email: 'ada@example.com', payment: { provider: 'paystack' } });
    expect(placed).toMatchObject({
      lines: [{ productId: s.plate.id, sku: 'PLATE', quantity: 3, unitPrice: 950 }],
      subtotal: 2850,
      discount: 500,
      total: 2350,
      coupon: { code: 'CART5' },
      payment: { provider: 'paystack' },
    });
  });

  it('refuses an order from an empty cart with 422 cart_empty', async () => {
    const s = await shop();
    const reply = await invoke(fns.create!, {
      method: 'POST',
      token: s.buyer,
      headers: idempotencyKey(),
      body: { email: 'ada@example.com', payment: { provider: 'stripe' } },
    });
    expect(reply).toMatchObject({ status: 422, body: { code: 'cart_empty' } });
    expect(await ordersOf(s.tenantId)).toBe(0);
  });

  it.each([
    ['a unit price sent by the client', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: 1, unitPrice: 1 }]), 400],
    ['a total sent by the client', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: 1 }], { total: 1 }), 400],
    ['an amount in the payment', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: 1 }], { payment: { provider: 'stripe', amount: 1 } }), 400],
    ['a zero quantity', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: 0 }]), 400],
    ['a negative quantity', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: -3 }]), 400],
    ['a quantity above 1000', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: 1001 }]), 400],
    [
      'the same variant twice past 1000',
      (p: string) =>
        orderBody([
          { productId: p, sku: 'MUG-S', quantity: 600 },
          { productId: p, sku: 'MUG-S', quantity: 600 },
        ]),
      422,
    ],
    ['an operator for a product id', () => orderBody([{ productId: { $ne: null }, sku: 'MUG-S', quantity: 1 }]), 400],
    ['an unknown product', () => orderBody([{ productId: uuidv7(), sku: 'MUG-S', quantity: 1 }]), 422],
    ['an unknown variant', (p: string) => orderBody([{ productId: p, sku: 'MUG-XXL', quantity: 1 }]), 422],
    ['an unknown payment provider', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: 1 }], { payment: { provider: 'cash' } }), 400],
    ['a malformed coupon code', (p: string) => orderBody([{ productId: p, sku: 'MUG-S', quantity: 1 }], { couponCode: '$where' }), 400],
  ])('refuses %s with a %s problem and places nothing', async (_name, body, status) => {
    const s = await shop();
    const reply = await invoke<{ code: string; status: number }>(fns.create!, {
      method: 'POST',
      token: s.buyer,
      headers: idempotencyKey(),
      body: body(s.mug.id),
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(await ordersOf(s.tenantId)).toBe(0);
  });

  it("refuses another tenant's product: it is not for sale here", async () => {
    const s = await shop();
    const foreign = await seedProduct(newTenant());
    const reply = await invoke(fns.create!, {
      method: 'POST',
      token: s.buyer,
      headers: idempotencyKey(),
      body: orderBody([{ productId: foreign.id, sku: 'MUG-S', quantity: 1 }]),
    });
    expect(reply).toMatchObject({ status: 422, body: { code: 'product_unavailable' } });
    expect(await ordersOf(s.tenantId)).toBe(0);
  });

  it('requires an Idempotency-Key; replays the same key and body; refuses the key with another body', async () => {
    const s = await shop();
    const body = orderBody([{ productId: s.mug.id, sku: 'MUG-S', quantity: 1 }]);
    expect(await invoke(fns.create!, { method: 'POST', token: s.buyer, body })).toMatchObject({ status: 400, body: { code: 'idempotency_key_missing' } });
    const key = idempotencyKey();
    const first = await invoke<{ id: string }>(fns.create!, { method: 'POST', token: s.buyer, body, headers: key });
    const again = await invoke<{ id: string }>(fns.create!, { method: 'POST', token: s.buyer, body, headers: key });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, body: { id: first.body.id }, headers: { 'idempotent-replayed': 'true' } });
    const other = await invoke(fns.create!, { method: 'POST', token: s.buyer, body: { ...body, email: 'grace@example.com' }, headers: key });
    expect(other).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });
    expect(await ordersOf(s.tenantId)).toBe(1);
  });

  it('places exactly one order for 50 concurrent requests with one Idempotency-Key', async () => {
    const s = await shop();
    const body = orderBody([{ productId: s.mug.id, sku: 'MUG-S', quantity: 2 }]);
    const key = idempotencyKey();
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => invoke<{ id?: string; code?: string }>(fns.create!, { method: 'POST', token: s.buyer, body, headers: key })),
    );
    const created = replies.filter((r) => r.status === 201);
    const inFlight = replies.filter((r) => r.status === 409);
    expect(created.length + inFlight.length, JSON.stringify(replies.map((r) => [r.status, r.body.code]))).toBe(50);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const reply of inFlight) expect(reply.body.code).toBe('idempotency_in_progress');
    expect(await ordersOf(s.tenantId)).toBe(1);
    // Once the first finished, every retry with the key replays that one order.
    const retry = await invoke<{ id: string }>(fns.create!, { method: 'POST', token: s.buyer, body, headers: key });
    expect(retry).toMatchObject({ status: 201, body: { id: created[0]!.body.id } });
    expect(await ordersOf(s.tenantId)).toBe(1);
  });
});

describe('orders-get', () => {
  it('shows the order to its buyer and to staff; another buyer and another tenant get 404', async () => {
    const s = await shop();
    const placed = await placeOrder(fns.create!, s.buyer, orderBody([{ productId: s.mug.id, sku: 'MUG-S', quantity: 1 }]));
    const mine = await invoke(fns.get!, { path: `/${placed.id}`, token: s.buyer });
    expect(mine).toMatchObject({ status: 200, body: { id: placed.id, state: 'pending', total: 1800 }, headers: { etag: '"1"' } });
    expect((await invoke(fns.get!, { path: `/${placed.id}`, token: s.staff })).status).toBe(200);
    for (const token of [s.otherBuyer, await sign(newTenant(), s.buyerId, ['owner'])]) {
      const reply = await invoke(fns.get!, { path: `/${placed.id}`, token });
      expect(reply).toMatchObject({ status: 404, body: { code: 'not_found' } });
    }
    expect((await invoke(fns.get!, { path: `/${uuidv7()}`, token: s.staff })).status).toBe(404);
    expect((await invoke(fns.get!, { path: '/not-an-order', token: s.staff })).status).toBe(400);
  });
});

describe('orders-cancel, -fulfil and -deliver', () => {
  it('lets the buyer cancel a pending order once; a second cancel is 409 with the state', async () => {
    const s = await shop();
    const placed = await placeOrder(fns.create!, s.buyer, orderBody([{ productId: s.mug.id, sku: 'MUG-S', quantity: 1 }]));
    expect((await invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token: s.otherBuyer })).status).toBe(404);
    expect((await storedOrder(placed.id))!.state).toBe('pending');
    expect(await invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token: s.buyer, body: { reason: 'seller_cancelled' } })).toMatchObject({
      status: 422,
      body: { code: 'cancel_reason_not_allowed' },
    });
    expect(
      await invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token: s.buyer, body: { reason: 'buyer_cancelled', refund: 100 } }),
    ).toMatchObject({
      status: 400,
    });
    expect((await storedOrder(placed.id))!.state).toBe('pending');
    const cancelled = await invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token: s.buyer, body: { reason: 'buyer_cancelled' } });
    expect(cancelled).toMatchObject({
      status: 200,
      body: { state: 'cancelled', version: 2, cancellation: { reason: 'buyer_cancelled', from: 'pending' } },
      headers: { etag: '"2"' },
    });
    const events = await outboxOf(placed.id);
    expect(events.map((e) => e.type)).toEqual(['orders.order.created.v1', 'orders.order.cancelled.v1']);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ orderId: placed.id, reason: 'buyer_cancelled', from: 'pending', version: 2 });
    const again = await invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token: s.buyer });
    expect(again).toMatchObject({ status: 409, body: { code: 'illegal_transition', state: 'cancelled' } });
    expect(await outboxOf(placed.id)).toHaveLength(2);
  });

  it('walks a paid order through fulfil and deliver (staff); a cancel after delivery is 409 with the state and changes nothing', async () => {
    const s = await shop();
    const placed = await placeOrder(fns.create!, s.buyer, orderBody([{ productId: s.mug.id, sku: 'MUG-S', quantity: 2 }]));
    expect(await invoke(fns.fulfil!, { method: 'POST', path: `/${placed.id}`, token: s.staff })).toMatchObject({
      status: 409,
      body: { code: 'illegal_transition', state: 'pending' },
    });
    await confirm(s.tenantId, placed.id, placed.total);
    expect(await invoke(fns.fulfil!, { method: 'POST', path: `/${placed.id}`, token: s.buyer })).toMatchObject({
      status: 403,
      body: { code: 'insufficient_role' },
    });
    expect(await invoke(fns.fulfil!, { method: 'POST', path: `/${placed.id}`, token: s.staff, headers: { 'if-match': '"2"' } })).toMatchObject({
      status: 200,
      body: { state: 'fulfilled', version: 3, payment: { paymentId: `pay-${placed.id}` } },
    });
    expect(await invoke(fns.deliver!, { method: 'POST', path: `/${placed.id}`, token: s.staff, headers: { 'if-match': '"2"' } })).toMatchObject({
      status: 412,
    });
    expect(await invoke(fns.deliver!, { method: 'POST', path: `/${placed.id}`, token: s.staff })).toMatchObject({
      status: 200,
      body: { state: 'delivered', version: 4 },
    });
    const before = await storedOrder(placed.id);
    for (const token of [s.buyer, s.staff]) {
      const reply = await invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token });
      expect(reply).toMatchObject({ status: 409, body: { code: 'illegal_transition', state: 'delivered' } });
      expect(reply.headers['content-type']).toContain('application/problem+json');
    }
    expect(await storedOrder(placed.id)).toEqual(before);
    expect(before!.outbox.map((e) => e.type)).toEqual([
      'orders.order.created.v1',
      'orders.order.confirmed.v1',
      'orders.order.fulfilled.v1',
      'orders.order.delivered.v1',
    ]);
  });

  it('lets staff cancel a confirmed order (seller_cancelled, from confirmed: payment refunds it)', async () => {
    const s = await shop();
    const placed = await placeOrder(fns.create!, s.buyer, orderBody([{ productId: s.plate.id, sku: 'PLATE', quantity: 1 }]));
    await confirm(s.tenantId, placed.id, placed.total);
    expect(await invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token: s.staff })).toMatchObject({
      status: 200,
      body: { state: 'cancelled', cancellation: { reason: 'seller_cancelled', from: 'confirmed' } },
    });
    expect(JSON.parse((await outboxOf(placed.id)).at(-1)!.data)).toMatchObject({ reason: 'seller_cancelled', from: 'confirmed', version: 3 });
  });

  it('cancels once when the buyer and staff cancel at the same time', async () => {
    const s = await shop();
    const placed = await placeOrder(fns.create!, s.buyer, orderBody([{ productId: s.plate.id, sku: 'PLATE', quantity: 1 }]));
    const replies = await Promise.all(
      [s.buyer, s.staff, s.buyer, s.staff].map((token) => invoke(fns.cancel!, { method: 'POST', path: `/${placed.id}`, token })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect((await outboxOf(placed.id)).filter((e) => e.type === 'orders.order.cancelled.v1')).toHaveLength(1);
    expect(await storedOrder(placed.id)).toMatchObject({ state: 'cancelled', version: 2 });
  });
});
