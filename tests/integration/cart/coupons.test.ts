import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections, serviceDb } from '../../../layers/connections';
import { AppError } from '../../../layers/errors';
import type { CouponLedger } from '../../../functions/cart/coupons';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';
import { buyerTokens, seedProduct } from './support';

type Mod = Parameters<typeof invoke>[0];
type Problem = { code?: string };
type Cart = {
  version: number;
  subtotal: number;
  discount: number;
  total: number;
  couponCode?: string;
  coupon: { code: string; discount: number; valid: boolean; problem: string | null } | null;
};
let tokenOf: ReturnType<typeof buyerTokens>;
let ledger: CouponLedger;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  tokenOf = buyerTokens(await useTestKeys());
  const modules = {
    create: import('../../../functions/cart/coupon-create'),
    apply: import('../../../functions/cart/apply-coupon'),
    add: import('../../../functions/cart/add-item'),
    get: import('../../../functions/cart/get'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
  ledger = await (await import('../../../functions/cart/coupons')).couponLedger();
});
afterAll(closeConnections);

const HOUR = 3600_000;
const window = (fromMs = -HOUR, untilMs = 24 * HOUR) => ({
  validFrom: new Date(Date.now() + fromMs).toISOString(),
  validUntil: new Date(Date.now() + untilMs).toISOString(),
});
const code = () => `C${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

const createCoupon = async (tenantId: string, body: Record<string, unknown>, roles: ('manager' | 'customer' | 'staff' | 'owner')[] = ['manager']) =>
  invoke<Problem & Record<string, unknown>>(fns.create!, {
    method: 'POST',
    token: await tokenOf(tenantId, `m-${tenantId}`, roles),
    body,
    headers: idempotencyKey(),
  });

const newCoupon = async (tenantId: string, extra: Record<string, unknown> = {}) => {
  const body = { code: code(), kind: 'percentage', value: 10, ...window(), ...extra };
  const reply = await createCoupon(tenantId, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { code: string };
};

const redeem = (tenantId: string, couponCode: string, customerId: string, orderId = uuidv7(), subtotal = 10_000) =>
  ledger.redeem({ tenantId, code: couponCode, customerId, orderId, subtotal, currency: 'EUR', now: new Date() });

const codeOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
};

describe('cart-coupon-create', () => {
  it('a manager creates a coupon with its created event in the outbox; the code is case-insensitive and unique per tenant', async () => {
    const tenantId = `t-${uuidv7()}`;
    const key = idempotencyKey();
    const token = await tokenOf(tenantId, 'mgr', ['manager']);
    const body = { code: 'spring-25', kind: 'fixed', value: 500, currency: 'EUR', minimumSpend: 2000, ...window(), usageLimit: 100, perCustomerLimit: 1 };
    const created = await invoke(fns.create!, { method: 'POST', token, body, headers: key });
    expect(created).toMatchObject({
      status: 201,
      body: { code: 'SPRING-25', tenantId, kind: 'fixed', value: 500, currency: 'EUR', minimumSpend: 2000, usageLimit: 100, perCustomerLimit: 1 },
    });
    // The same key and body replay the first answer; another key is a duplicate code.
    const replay = await invoke(fns.create!, { method: 'POST', token, body, headers: key });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(created.body);
    expect(await createCoupon(tenantId, { ...body, code: 'Spring-25' })).toMatchObject({
      status: 409,
      body: { code: 'coupon_exists', couponCode: 'SPRING-25' },
    });
    // Another tenant may use the same code.
    expect((await createCoupon(`t-${uuidv7()}`, body)).status).toBe(201);

    const doc = await (await serviceDb('cart')).collection('coupons').findOne({ _id: `${tenantId}:SPRING-25` as never });
    expect(doc?.outbox).toEqual([expect.objectContaining({ type: 'cart.coupon.created.v1', tenantId, subject: 'SPRING-25', source: 'cart-coupon-create' })]);
    expect(JSON.parse((doc!.outbox as { data: string }[])[0]!.data)).toMatchObject({ code: 'SPRING-25', kind: 'fixed', value: 500 });
  });

  it.each([
    ['a customer', ['customer'], 403],
    ['staff', ['staff'], 403],
  ] as const)('%s may not create coupons', async (_who, roles, status) => {
    const tenantId = `t-${uuidv7()}`;
    expect((await createCoupon(tenantId, { code: code(), kind: 'percentage', value: 5, ...window() }, [...roles])).status).toBe(status);
  });

  it.each([
    ['no Idempotency-Key', { kind: 'percentage', value: 5 }, 400, false],
    ['a fixed coupon without currency', { kind: 'fixed', value: 500 }, 422, true],
    ['a percentage above 100', { kind: 'percentage', value: 101 }, 422, true],
    ['a zero value', { kind: 'percentage', value: 0 }, 400, true],
    ['an unknown kind', { kind: 'bogo', value: 5 }, 400, true],
    ['an empty window', { kind: 'percentage', value: 5, ...window(HOUR, -HOUR) }, 422, true],
    ['an unknown field', { kind: 'percentage', value: 5, discount: 5 }, 400, true],
    ['a bad code', { kind: 'percentage', value: 5, code: 'a b' }, 400, true],
  ])('%s → %s and nothing stored', async (_name, fields, status, withKey) => {
    const tenantId = `t-${uuidv7()}`;
    const couponCode = code();
    const reply = await invoke<Problem>(fns.create!, {
      method: 'POST',
      token: await tokenOf(tenantId, 'mgr', ['manager']),
      body: { code: couponCode, ...window(), ...fields },
      headers: withKey ? idempotencyKey() : {},
    });
    expect(reply.status).toBe(status);
    expect(await (await serviceDb('cart')).collection('coupons').countDocuments({ tenantId })).toBe(0);
  });
});

describe('the coupon ledger', () => {
  it('50 concurrent redemptions of a coupon limited to 5 → exactly 5', async () => {
    const tenantId = `t-${uuidv7()}`;
    const { code: c } = await newCoupon(tenantId, { usageLimit: 5 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => codeOf(redeem(tenantId, c, `buyer-${i}`))));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'coupon_exhausted')).toHaveLength(45);
    await expect(ledger.quote({ tenantId, code: c, customerId: 'someone-else', subtotal: 100, currency: 'EUR', now: new Date() })).rejects.toMatchObject({
      code: 'coupon_exhausted',
    });
  });

  it('20 concurrent redemptions by one customer limited to 2 → exactly 2; others still may', async () => {
    const tenantId = `t-${uuidv7()}`;
    const { code: c } = await newCoupon(tenantId, { perCustomerLimit: 2 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => codeOf(redeem(tenantId, c, 'greedy'))));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'coupon_customer_limit')).toHaveLength(18);
    expect(await codeOf(redeem(tenantId, c, 'modest'))).toBe('ok');
  });

  it('is idempotent per order: 20 concurrent retries of one order count once and return the same redemption', async () => {
    const tenantId = `t-${uuidv7()}`;
    const { code: c } = await newCoupon(tenantId, { usageLimit: 2, value: 15 });
    const orderId = uuidv7();
    const results = await Promise.all(Array.from({ length: 20 }, () => redeem(tenantId, c.toLowerCase(), 'buyer', orderId, 999)));
    expect(new Set(results.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ code: c, discount: 150 })]));
    // One use of two is left.
    expect(await codeOf(redeem(tenantId, c, 'other'))).toBe('ok');
    expect(await codeOf(redeem(tenantId, c, 'third'))).toBe('coupon_exhausted');
    // Another coupon for the same order is a conflict.
    const { code: other } = await newCoupon(tenantId);
    expect(await codeOf(redeem(tenantId, other, 'buyer', orderId))).toBe('coupon_order_conflict');
  });

  it('release gives a use back once; an unknown order is a no-op', async () => {
    const tenantId = `t-${uuidv7()}`;
    const { code: c } = await newCoupon(tenantId, { usageLimit: 1, perCustomerLimit: 1 });
    const orderId = uuidv7();
    await redeem(tenantId, c, 'buyer', orderId);
    expect(await codeOf(redeem(tenantId, c, 'buyer'))).toBe('coupon_exhausted');
    await ledger.release({ tenantId, code: c, customerId: 'buyer', orderId });
    await ledger.release({ tenantId, code: c, customerId: 'buyer', orderId });
    await ledger.release({ tenantId, code: c, customerId: 'buyer', orderId: uuidv7() });
    expect(await ledger.releaseOrder({ tenantId, orderId })).toBeUndefined();
    // Exactly one use came back: one more redemption, then exhausted again.
    expect(await codeOf(redeem(tenantId, c, 'buyer'))).toBe('ok');
    expect(await codeOf(redeem(tenantId, c, 'buyer'))).toBe('coupon_exhausted');
  });

  it('10 concurrent releases of one order give back one use', async () => {
    const tenantId = `t-${uuidv7()}`;
    const { code: c } = await newCoupon(tenantId, { usageLimit: 3 });
    const orders = [uuidv7(), uuidv7(), uuidv7()];
    for (const orderId of orders) await redeem(tenantId, c, `b-${orderId}`, orderId);
    const released = await Promise.all(Array.from({ length: 10 }, () => ledger.releaseOrder({ tenantId, orderId: orders[0]! })));
    expect(released.filter(Boolean)).toHaveLength(1);
    expect(await codeOf(redeem(tenantId, c, 'new-1'))).toBe('ok');
    expect(await codeOf(redeem(tenantId, c, 'new-2'))).toBe('coupon_exhausted');
  });

  it('refuses with stable codes: not found (also another tenant’s), not started, expired, minimum spend, currency', async () => {
    const tenantId = `t-${uuidv7()}`;
    const other = `t-${uuidv7()}`;
    const { code: theirs } = await newCoupon(other);
    const { code: later } = await newCoupon(tenantId, window(HOUR, 2 * HOUR));
    const { code: minimum } = await newCoupon(tenantId, { minimumSpend: 5000 });
    const { code: dollars } = await newCoupon(tenantId, { kind: 'fixed', value: 100, currency: 'USD' });
    const { code: shortLived } = await newCoupon(tenantId, window(-HOUR, 50));
    await new Promise((resolve) => setTimeout(resolve, 80));
    const quote = (c: string, subtotal = 10_000) => codeOf(ledger.quote({ tenantId, code: c, customerId: 'b', subtotal, currency: 'EUR', now: new Date() }));
    expect(await quote(theirs)).toBe('coupon_not_found');
    expect(await quote('NOSUCHCODE')).toBe('coupon_not_found');
    expect(await quote(later)).toBe('coupon_not_started');
    expect(await quote(shortLived)).toBe('coupon_expired');
    expect(await quote(minimum, 4999)).toBe('coupon_minimum_spend');
    expect(await quote(minimum, 5000)).toBe('ok');
    expect(await quote(dollars)).toBe('coupon_currency');
    expect(await codeOf(redeem(tenantId, shortLived, 'b'))).toBe('coupon_expired');
    expect(await codeOf(redeem(tenantId, theirs, 'b'))).toBe('coupon_not_found');
  });
});

describe('cart-apply-coupon', () => {
  const setup = async () => {
    const tenantId = `t-${uuidv7()}`;
    const userId = `u-${uuidv7()}`;
    const token = await tokenOf(tenantId, userId);
    const p = await seedProduct(tenantId, { price: 999 });
    const added = await invoke<Cart>(fns.add!, { method: 'POST', token, body: { productId: p.id, sku: 'STD', quantity: 3 } });
    expect(added.body).toMatchObject({ version: 1, subtotal: 2997 });
    const apply = (body: unknown) => invoke<Cart & Problem>(fns.apply!, { method: 'POST', token, body });
    const get = () => invoke<Cart>(fns.get!, { token });
    return { tenantId, userId, token, apply, get };
  };

  it('a percentage coupon: the discount rounds in the buyer’s favour; the cart shows subtotal, discount, total; null takes it off', async () => {
    const s = await setup();
    const { code: c } = await newCoupon(s.tenantId, { value: 15 });
    const applied = await s.apply({ code: c.toLowerCase() });
    // 15 % of 2997 = 449.55 → 450.
    expect(applied.body).toMatchObject({
      version: 2,
      subtotal: 2997,
      discount: 450,
      total: 2547,
      coupon: { code: c, discount: 450, valid: true, problem: null },
    });
    expect((await s.get()).body).toMatchObject({ version: 2, discount: 450, total: 2547 });
    expect((await s.apply({ code: null })).body).toMatchObject({ version: 3, discount: 0, total: 2997, coupon: null });
  });

  it('a fixed coupon never takes more than the subtotal', async () => {
    const s = await setup();
    const { code: c } = await newCoupon(s.tenantId, { kind: 'fixed', value: 5000, currency: 'EUR' });
    expect((await s.apply({ code: c })).body).toMatchObject({ subtotal: 2997, discount: 2997, total: 0 });
  });

  it('a coupon that stops applying stays on the cart, marked invalid with its reason, and discounts nothing', async () => {
    const s = await setup();
    const { code: c } = await newCoupon(s.tenantId, { minimumSpend: 2000 });
    expect((await s.apply({ code: c })).body).toMatchObject({ discount: 300 });
    const { viewStore } = await import('../../../functions/products/read-model');
    expect(viewStore).toBeDefined();
    const token = s.token;
    const cart = await s.get();
    const productId = (cart.body as unknown as { items: { productId: string }[] }).items[0]!.productId;
    const update = (await import('../../../functions/cart/update-item')) as Mod;
    const lowered = await invoke<Cart>(update, { method: 'PATCH', path: `/${productId}/STD`, token, body: { quantity: 1 } });
    expect(lowered.body).toMatchObject({ subtotal: 999, discount: 0, total: 999, coupon: { code: c, valid: false, problem: 'coupon_minimum_spend' } });
  });

  it.each([
    ['unknown', async () => 'NOSUCHCODE', 404, 'coupon_not_found'],
    ['another tenant’s', async () => (await newCoupon(`t-${uuidv7()}`)).code, 404, 'coupon_not_found'],
    ['not started', async (t: string) => (await newCoupon(t, window(HOUR, 2 * HOUR))).code, 422, 'coupon_not_started'],
    ['below minimum spend', async (t: string) => (await newCoupon(t, { minimumSpend: 3000 })).code, 422, 'coupon_minimum_spend'],
    ['in another currency', async (t: string) => (await newCoupon(t, { kind: 'fixed', value: 10, currency: 'GBP' })).code, 422, 'coupon_currency'],
    [
      'exhausted',
      async (t: string) => {
        const { code: c } = await newCoupon(t, { usageLimit: 1 });
        await redeem(t, c, 'first');
        return c;
      },
      422,
      'coupon_exhausted',
    ],
    [
      'used up by this customer',
      async (t: string, userId: string) => {
        const { code: c } = await newCoupon(t, { perCustomerLimit: 1 });
        await redeem(t, c, userId);
        return c;
      },
      422,
      'coupon_customer_limit',
    ],
  ])('an %s coupon → %s %s and the cart unchanged', async (_name, make, status, problem) => {
    const s = await setup();
    const c = await make(s.tenantId, s.userId);
    const reply = await s.apply({ code: c });
    expect(reply.status).toBe(status);
    expect(reply.body.code).toBe(problem);
    expect((await s.get()).body).toMatchObject({ version: 1, coupon: null, discount: 0 });
  });

  it('a coupon on an empty cart → 422 cart_empty, nothing written', async () => {
    const tenantId = `t-${uuidv7()}`;
    const token = await tokenOf(tenantId, `u-${uuidv7()}`);
    const { code: c } = await newCoupon(tenantId);
    expect(await invoke<Problem>(fns.apply!, { method: 'POST', token, body: { code: c } })).toMatchObject({ status: 422, body: { code: 'cart_empty' } });
    expect((await invoke<Cart>(fns.get!, { token })).body).toMatchObject({ version: 0, coupon: null });
  });

  it('an expired coupon → 422 coupon_expired; a discount sent by the client → 400', async () => {
    const s = await setup();
    const { code: c } = await newCoupon(s.tenantId, window(-HOUR, 30));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await s.apply({ code: c })).body.code).toBe('coupon_expired');
    expect((await s.apply({ code: c, discount: 100 })).status).toBe(400);
    expect((await s.get()).body).toMatchObject({ version: 1, coupon: null });
  });
});
