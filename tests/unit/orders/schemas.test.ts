import { describe, expect, it } from 'vitest';
import { createOrderBody, listOrdersQuery, orderIdParams } from '../../../functions/orders/schemas';
import { PRODUCT_A } from './support';

const valid = { items: [{ productId: PRODUCT_A, sku: 'STD', quantity: 1 }], email: 'ada@example.com', payment: { provider: 'stripe' } };

describe('orders schemas', () => {
  it('accepts an order with items, or without (from the cart)', () => {
    expect(createOrderBody.safeParse(valid).success).toBe(true);
    expect(createOrderBody.safeParse({ email: 'ada@example.com', payment: { provider: 'paystack' }, couponCode: 'SAVE5' }).success).toBe(true);
  });

  it.each([
    ['a price on a line', { ...valid, items: [{ ...valid.items[0], unitPrice: 1 }] }],
    ['a total', { ...valid, total: 1 }],
    ['a discount', { ...valid, discount: 1000 }],
    ['an amount in payment', { ...valid, payment: { provider: 'stripe', amount: 1 } }],
    ['a zero quantity', { ...valid, items: [{ ...valid.items[0], quantity: 0 }] }],
    ['a negative quantity', { ...valid, items: [{ ...valid.items[0], quantity: -2 }] }],
    ['a fractional quantity', { ...valid, items: [{ ...valid.items[0], quantity: 1.5 }] }],
    ['a quantity above 1000', { ...valid, items: [{ ...valid.items[0], quantity: 1001 }] }],
    ['no lines', { ...valid, items: [] }],
    ['51 lines', { ...valid, items: Array.from({ length: 51 }, () => valid.items[0]) }],
    ['a product id that is not one', { ...valid, items: [{ ...valid.items[0], productId: { $ne: null } }] }],
    ['an unknown provider', { ...valid, payment: { provider: 'cash' } }],
    ['no email', { items: valid.items, payment: valid.payment }],
    ['a malformed email', { ...valid, email: 'not-an-email' }],
  ])('refuses %s', (_name, body) => {
    expect(createOrderBody.safeParse(body).success).toBe(false);
  });

  it('lists the buyer view by default, 20 at a time', () => {
    expect(listOrdersQuery.parse({})).toEqual({ view: 'buyer', limit: 20 });
    expect(listOrdersQuery.safeParse({ view: 'everyone' }).success).toBe(false);
    expect(listOrdersQuery.safeParse({ limit: '101' }).success).toBe(false);
  });

  it('takes only UUIDv7 order ids', () => {
    expect(orderIdParams.safeParse({ id: '0190a0a0-0000-7000-8000-000000000001' }).success).toBe(true);
    expect(orderIdParams.safeParse({ id: '0190a0a0-0000-4000-8000-000000000001' }).success).toBe(false);
  });
});
