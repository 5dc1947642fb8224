import { describe, expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { orderCancelled, orderConfirmed, orderCreated } from '../../../functions/orders/events';
import { inventoryConfigSchema } from '../../../functions/inventory/config';
import { makeAdjustStock } from '../../../functions/inventory/adjust';
import { makeExpireReservations } from '../../../functions/inventory/expire-reservations';
import { makeGetStock } from '../../../functions/inventory/get';
import { makeOnOrderCancelled } from '../../../functions/inventory/on-order-cancelled';
import { makeOnOrderConfirmed } from '../../../functions/inventory/on-order-confirmed';
import { makeOnOrderCreated } from '../../../functions/inventory/on-order-created';
import { makeReservationSteps } from '../../../functions/inventory/reservations';
import { makeSetStock } from '../../../functions/inventory/set';
import { parseConfig } from '../../../layers/config';
import type { ConsumedEvent } from '../../../layers/events/consumer';
import type { VariantLookup } from '../../../functions/inventory/deps';
import { memorySaga, memoryStockStore } from './memory';

const P = '0190a0a0-0000-7000-8000-0000000000aa';
const now = () => new Date('2026-11-25T10:00:00.000Z');

describe('inventory-set / -get / -adjust cores', () => {
  const setup = (lookup: VariantLookup = 'found') => {
    const memory = memoryStockStore();
    const catalogue = { variant: vi.fn(async () => lookup) };
    return {
      memory,
      catalogue,
      set: makeSetStock({ stock: memory.store, catalogue, now }),
      get: makeGetStock({ stock: memory.store }),
      adjust: makeAdjustStock({ stock: memory.store, now }),
    };
  };

  it('creates, reads, replaces and adjusts a variant’s stock', async () => {
    const { set, get, adjust, memory, catalogue } = setup();
    expect(await set('t1', { productId: P, sku: 'S' }, { onHand: 4 })).toMatchObject({ created: true, stock: { onHand: 4, available: 4, version: 1 } });
    expect(catalogue.variant).toHaveBeenCalledWith('t1', P, 'S');
    expect(await get('t1', { productId: P, sku: 'S' })).toMatchObject({ onHand: 4, reserved: 0, available: 4, lowStockThreshold: 0 });
    expect(await set('t1', { productId: P, sku: 'S' }, { onHand: 9, lowStockThreshold: 3 }, 1)).toMatchObject({
      created: false,
      stock: { onHand: 9, version: 2 },
    });
    expect(await adjust('t1', { productId: P, sku: 'S' }, { delta: -2, reason: 'broken' })).toMatchObject({ onHand: 7, available: 7, version: 3 });
    expect(memory.outboxOf('t1', P, 'S').map((e) => JSON.parse(e.data).cause)).toEqual(['set', 'set', 'adjusted']);
  });

  it('refuses a variant its product does not have (422) and a product the tenant does not have (404), changing nothing', async () => {
    const noVariant = setup('no-variant');
    await expect(noVariant.set('t1', { productId: P, sku: 'S' }, { onHand: 4 })).rejects.toMatchObject({ status: 422, code: 'variant_not_found' });
    expect(noVariant.memory.rows.size).toBe(0);
    const noProduct = setup('no-product');
    await expect(noProduct.set('t1', { productId: P, sku: 'S' }, { onHand: 4 })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(noProduct.memory.rows.size).toBe(0);
  });

  it('404s an unknown stock, for another tenant too', async () => {
    const { set, get, adjust } = setup();
    await set('t1', { productId: P, sku: 'S' }, { onHand: 4 });
    await expect(get('t2', { productId: P, sku: 'S' })).rejects.toMatchObject({ status: 404 });
    await expect(adjust('t2', { productId: P, sku: 'S' }, { delta: 1, reason: 'x' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('the consumers map their event onto the saga step', () => {
  const T = 't1';
  const orderId = uuidv7();
  const lines = [{ productId: P, sku: 'S', name: 'Mug', quantity: 2, unitPrice: 100, lineTotal: 200 }];
  const ref = { orderId, buyerId: 'b1', storeId: null, lines, currency: 'EUR', total: 200, email: 'b@example.com', version: 1 };
  const consumed = <T>(entry: { data: string } & Omit<ConsumedEvent<T>, 'data'>): ConsumedEvent<T> => ({ ...entry, data: JSON.parse(entry.data) as T });

  it('created → reserve, confirmed → commit, cancelled → restock, with the cause in each event', async () => {
    const saga = memorySaga();
    saga.stock.seed({ tenantId: T, productId: P, sku: 'S', onHand: 5 });
    const steps = makeReservationSteps(saga.deps);
    const checkout = { provider: 'stripe' as const, email: 'b@example.com', total: 200, currency: 'EUR' };
    const created = orderCreated.create({
      subject: orderId,
      tenantId: T,
      source: 'orders-create',
      data: { ...ref, subtotal: 200, discount: 0, coupon: null, checkout, createdAt: now().toISOString() },
    });
    expect(await makeOnOrderCreated(steps)(consumed(created))).toBe('reserved');
    const [reserved] = saga.reservations.outboxOf(T, orderId);
    expect(reserved).toMatchObject({ source: 'inventory-on-order-created', correlationId: created.correlationId, causationId: created.id });

    const confirmed = orderConfirmed.create({ subject: orderId, tenantId: T, source: 'orders', data: { ...ref, paymentId: 'pi_1' } });
    expect(await makeOnOrderConfirmed(steps)(consumed(confirmed))).toBe('committed');
    expect(saga.stock.stockOf(T, P, 'S')).toMatchObject({ onHand: 3, reserved: 0 });

    const cancelled = orderCancelled.create({
      subject: orderId,
      tenantId: T,
      source: 'orders',
      data: { ...ref, reason: 'seller_cancelled', from: 'confirmed' },
    });
    expect(await makeOnOrderCancelled(steps)(consumed(cancelled))).toBe('restocked');
    expect(saga.stock.stockOf(T, P, 'S')).toMatchObject({ onHand: 5, available: 5 });
    expect(saga.stock.outboxOf(T, P, 'S').map((e) => JSON.parse(e.data).cause)).toEqual(['reserved', 'committed', 'restocked']);
  });
});

describe('inventory-expire-reservations', () => {
  it('expires what is due, in batches, counting failures without stopping', async () => {
    const saga = memorySaga(1_000);
    saga.stock.seed({ tenantId: 't1', productId: P, sku: 'S', onHand: 10 });
    const steps = makeReservationSteps(saga.deps);
    const checkout = { provider: 'stripe' as const, email: 'b@example.com', total: 1, currency: 'EUR' };
    const ids = Array.from({ length: 6 }, () => uuidv7());
    for (const orderId of ids)
      await steps.reserve({ tenantId: 't1', orderId, buyerId: 'b', lines: [{ productId: P, sku: 'S', quantity: 1 }], checkout }, { source: 'x' });
    const log = { warn: vi.fn() };
    const expire = vi.fn(async (target: { tenantId: string; orderId: string }, source: string) => {
      if (target.orderId === ids[0]) throw new Error('lock busy');
      return steps.expire(target, source);
    });
    const run = makeExpireReservations({ reservations: saga.deps.reservations, steps: { expire }, now: saga.deps.now, batch: 5, log });

    expect(await run()).toEqual({ due: 0, expired: 0, failed: 0 });
    saga.advance(1_000);
    expect(await run()).toEqual({ due: 5, expired: 4, failed: 1 });
    expect(log.warn).toHaveBeenCalledOnce();
    expect(await run()).toEqual({ due: 2, expired: 1, failed: 1 });
    expect(saga.stock.stockOf('t1', P, 'S')).toMatchObject({ reserved: 1, available: 9 });
  });
});

describe('inventory configuration', () => {
  it('reads RESERVATION_TTL_SECONDS (default 900) and refuses nonsense', () => {
    expect(parseConfig(inventoryConfigSchema, {})).toMatchObject({ RESERVATION_TTL_SECONDS: 900, RESERVATION_EXPIRY_BATCH: 200, STOCK_LOCK_WAIT_MS: 30_000 });
    expect(parseConfig(inventoryConfigSchema, { RESERVATION_TTL_SECONDS: '60' }).RESERVATION_TTL_SECONDS).toBe(60);
    expect(() => parseConfig(inventoryConfigSchema, { RESERVATION_TTL_SECONDS: '-1' })).toThrow(/RESERVATION_TTL_SECONDS/);
    expect(() => parseConfig(inventoryConfigSchema, { RESERVATION_TTL_SECONDS: 'soon' })).toThrow(/RESERVATION_TTL_SECONDS/);
  });
});
