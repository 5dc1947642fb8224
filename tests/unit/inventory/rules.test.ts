import { describe, expect, it } from 'vitest';
import {
  adjustStock,
  commitLine,
  crossesLow,
  holdLine,
  LEDGER_SIZE,
  mergeLines,
  openReservation,
  rejectedEvent,
  releaseLine,
  reservedEvent,
  restockLine,
  setStock,
  stepFor,
  toStockLevel,
  type Reservation,
  type Stock,
} from '../../../functions/inventory/rules';

const now = new Date('2026-11-25T10:00:00.000Z');
const ctx = { source: 'test', now, correlationId: 'corr-1', causationId: 'cause-1' };
const target = { tenantId: 't1', productId: 'p1', sku: 'S' };
const ORDER = '0190a0a0-0000-7000-8000-000000000001';
const OTHER = '0190a0a0-0000-7000-8000-000000000002';

const stock = (overrides: Partial<Stock> = {}): Stock => {
  const base: Stock = {
    ...target,
    onHand: 10,
    reserved: 0,
    available: 10,
    lowStockThreshold: 2,
    version: 3,
    holds: [],
    restocked: [],
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
  return { ...base, available: base.onHand - base.reserved };
};

const data = (entry: { data: string }) => JSON.parse(entry.data) as Record<string, unknown>;
const types = (events: { type: string }[]) => events.map((e) => e.type);

describe('setStock', () => {
  it('creates the stock without If-Match: version 1, threshold 0 by default, stock.changed (and stock.low at 0)', () => {
    const change = setStock(undefined, target, { onHand: 5 }, undefined, ctx);
    expect(change.result.created).toBe(true);
    expect(change.next).toMatchObject({ onHand: 5, reserved: 0, available: 5, lowStockThreshold: 0, version: 1, holds: [], createdAt: now });
    expect(types(change.events)).toEqual(['inventory.stock.changed.v1']);
    expect(change.events[0]).toMatchObject({ subject: 'p1:S', tenantId: 't1', source: 'test', correlationId: 'corr-1', causationId: 'cause-1' });
    expect(data(change.events[0]!)).toEqual({ productId: 'p1', sku: 'S', available: 5, reserved: 0, version: 1, cause: 'set' });
    expect(types(setStock(undefined, target, { onHand: 0 }, undefined, ctx).events)).toEqual(['inventory.stock.changed.v1', 'inventory.stock.low.v1']);
  });

  it('refuses If-Match on a stock that does not exist (412), and a replace without it (428)', () => {
    expect(() => setStock(undefined, target, { onHand: 5 }, 1, ctx)).toThrow(expect.objectContaining({ status: 412 }));
    expect(() => setStock(stock(), target, { onHand: 5 }, undefined, ctx)).toThrow(expect.objectContaining({ status: 428 }));
  });

  it('replaces at the current version only (412 names the current one)', () => {
    expect(() => setStock(stock(), target, { onHand: 5 }, 2, ctx)).toThrow(expect.objectContaining({ status: 412, extras: { currentVersion: 3 } }));
    const change = setStock(stock({ reserved: 4 }), target, { onHand: 8, lowStockThreshold: 1 }, 3, ctx);
    expect(change.next).toMatchObject({ onHand: 8, reserved: 4, available: 4, lowStockThreshold: 1, version: 4, updatedAt: now });
    expect(change.result).toMatchObject({ created: false, stock: change.next });
  });

  it('cannot go below what is held (409 insufficient_stock), and the same figures change nothing', () => {
    expect(() => setStock(stock({ reserved: 4 }), target, { onHand: 3 }, 3, ctx)).toThrow(expect.objectContaining({ status: 409, code: 'insufficient_stock' }));
    const same = setStock(stock(), target, { onHand: 10 }, 3, ctx);
    expect(same.next).toBeUndefined();
    expect(same.events).toEqual([]);
    expect(same.result.stock.version).toBe(3);
  });

  it('announces low stock when a raised threshold puts the variant at or below it', () => {
    const change = setStock(stock(), target, { onHand: 10, lowStockThreshold: 10 }, 3, ctx);
    expect(types(change.events)).toEqual(['inventory.stock.changed.v1', 'inventory.stock.low.v1']);
    expect(data(change.events[1]!)).toEqual({ productId: 'p1', sku: 'S', available: 10, threshold: 10, version: 4 });
  });
});

describe('adjustStock', () => {
  it('moves on hand by delta with the reason in the event', () => {
    const change = adjustStock(stock(), 'p1:S', { delta: 5, reason: 'delivery' }, undefined, ctx);
    expect(change.next).toMatchObject({ onHand: 15, available: 15, version: 4 });
    expect(data(change.events[0]!)).toMatchObject({ cause: 'adjusted', reason: 'delivery', available: 15 });
  });

  it('404 without stock, 412 on a stale If-Match, 409 below available, 422 past the maximum', () => {
    expect(() => adjustStock(undefined, 'p1:S', { delta: 1, reason: 'x' }, undefined, ctx)).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => adjustStock(stock(), 'p1:S', { delta: 1, reason: 'x' }, 9, ctx)).toThrow(expect.objectContaining({ status: 412 }));
    expect(() => adjustStock(stock({ reserved: 4 }), 'p1:S', { delta: -7, reason: 'x' }, 3, ctx)).toThrow(
      expect.objectContaining({ status: 409, code: 'insufficient_stock', extras: expect.objectContaining({ available: 6, requested: 7 }) }),
    );
    expect(() => adjustStock(stock(), 'p1:S', { delta: 1_000_000_000, reason: 'x' }, undefined, ctx)).toThrow(expect.objectContaining({ status: 422 }));
  });

  it('takes available to exactly 0, crossing the threshold once', () => {
    const change = adjustStock(stock({ reserved: 4 }), 'p1:S', { delta: -6, reason: 'broken' }, undefined, ctx);
    expect(change.next).toMatchObject({ onHand: 4, reserved: 4, available: 0 });
    expect(types(change.events)).toEqual(['inventory.stock.changed.v1', 'inventory.stock.low.v1']);
    expect(types(adjustStock(change.next, 'p1:S', { delta: 0 + 1, reason: 'found' }, undefined, ctx).events)).toEqual(['inventory.stock.changed.v1']);
  });
});

describe('crossesLow', () => {
  it.each([
    [undefined, { available: 2, lowStockThreshold: 2 }, true],
    [undefined, { available: 3, lowStockThreshold: 2 }, false],
    [{ available: 3, lowStockThreshold: 2 }, { available: 2, lowStockThreshold: 2 }, true],
    [{ available: 2, lowStockThreshold: 2 }, { available: 1, lowStockThreshold: 2 }, false],
    [{ available: 1, lowStockThreshold: 2 }, { available: 5, lowStockThreshold: 2 }, false],
    [{ available: 5, lowStockThreshold: 2 }, { available: 5, lowStockThreshold: 5 }, true],
  ])('%o → %o: %s', (before, after, expected) => {
    expect(crossesLow(before, after)).toBe(expected);
  });
});

describe('holds, commits, releases and restocks', () => {
  const expiresAt = new Date('2026-11-25T10:15:00.000Z');

  it('holds once per order, conditional on available and on no hold of that order', () => {
    const change = holdLine(stock(), { orderId: ORDER, quantity: 8, expiresAt }, ctx);
    expect(change.result).toEqual({ held: true });
    expect(change.expect).toEqual({ minAvailable: 8, notHolding: ORDER });
    expect(change.next).toMatchObject({ onHand: 10, reserved: 8, available: 2, version: 4, holds: [{ orderId: ORDER, quantity: 8, expiresAt }] });
    expect(types(change.events)).toEqual(['inventory.stock.changed.v1', 'inventory.stock.low.v1']);
    expect(data(change.events[0]!)).toMatchObject({ cause: 'reserved', orderId: ORDER, reserved: 8, available: 2 });

    const again = holdLine(change.next, { orderId: ORDER, quantity: 8, expiresAt }, ctx);
    expect(again).toEqual({ events: [], result: { held: true } });
    expect(holdLine(change.next, { orderId: OTHER, quantity: 3, expiresAt }, ctx)).toEqual({ events: [], result: { held: false, available: 2 } });
    expect(holdLine(undefined, { orderId: OTHER, quantity: 1, expiresAt }, ctx).result).toEqual({ held: false, available: 0 });
  });

  it('releases what the order holds, and nothing else', () => {
    const held = stock({
      reserved: 5,
      holds: [
        { orderId: ORDER, quantity: 3, expiresAt },
        { orderId: OTHER, quantity: 2, expiresAt },
      ],
    });
    const change = releaseLine(held, ORDER, 'expired', ctx);
    expect(change.result).toBe(3);
    expect(change.next).toMatchObject({ reserved: 2, available: 8, holds: [{ orderId: OTHER }] });
    expect(data(change.events[0]!)).toMatchObject({ cause: 'expired', orderId: ORDER });
    expect(releaseLine(change.next, ORDER, 'released', ctx)).toEqual({ events: [], result: 0 });
    expect(releaseLine(undefined, ORDER, 'released', ctx).result).toBe(0);
  });

  it('commits a hold: on hand and reserved drop, available stays', () => {
    const held = stock({ reserved: 3, holds: [{ orderId: ORDER, quantity: 3, expiresAt }] });
    const change = commitLine(held, ORDER, ctx);
    expect(change.result).toBe(true);
    expect(change.next).toMatchObject({ onHand: 7, reserved: 0, available: 7, holds: [] });
    expect(data(change.events[0]!)).toMatchObject({ cause: 'committed', orderId: ORDER });
    expect(commitLine(change.next, ORDER, ctx)).toEqual({ events: [], result: false });
    expect(commitLine(undefined, ORDER, ctx).result).toBe(false);
  });

  it('restocks a committed line once; a line still held is released instead', () => {
    const committed = restockLine(stock({ onHand: 7 }), { orderId: ORDER, quantity: 3 }, ctx);
    expect(committed.result).toBe('restocked');
    expect(committed.next).toMatchObject({ onHand: 10, available: 10, restocked: [ORDER] });
    expect(restockLine(committed.next, { orderId: ORDER, quantity: 3 }, ctx)).toEqual({ events: [], result: 'already' });

    const held = restockLine(stock({ reserved: 3, holds: [{ orderId: ORDER, quantity: 3, expiresAt }] }), { orderId: ORDER, quantity: 3 }, ctx);
    expect(held.result).toBe('released');
    expect(held.next).toMatchObject({ onHand: 10, reserved: 0, available: 10, restocked: [ORDER] });
    expect(restockLine(undefined, { orderId: ORDER, quantity: 3 }, ctx).result).toBe('missing');
  });

  it('keeps the restock ledger bounded', () => {
    const full = stock({ restocked: Array.from({ length: LEDGER_SIZE }, (_, i) => `o-${i}`) });
    const change = restockLine(full, { orderId: ORDER, quantity: 1 }, ctx);
    expect(change.next!.restocked).toHaveLength(LEDGER_SIZE);
    expect(change.next!.restocked.at(-1)).toBe(ORDER);
    expect(change.next!.restocked[0]).toBe('o-1');
  });

  it('shows the level without internals', () => {
    expect(toStockLevel(stock({ reserved: 1 }))).toEqual({
      productId: 'p1',
      sku: 'S',
      onHand: 10,
      reserved: 1,
      available: 9,
      lowStockThreshold: 2,
      version: 3,
      updatedAt: new Date(0).toISOString(),
    });
  });
});

describe('reservations', () => {
  const order = { tenantId: 't1', orderId: ORDER, buyerId: 'b1', lines: [] };

  it('merges lines per variant and sorts them', () => {
    expect(
      mergeLines([
        { productId: 'p2', sku: 'A', quantity: 1 },
        { productId: 'p1', sku: 'B', quantity: 2 },
        { productId: 'p2', sku: 'A', quantity: 3 },
      ]),
    ).toEqual([
      { productId: 'p1', sku: 'B', quantity: 2 },
      { productId: 'p2', sku: 'A', quantity: 4 },
    ]);
  });

  it('opens a reservation expiring after the TTL', () => {
    const r = openReservation({ ...order, lines: [{ productId: 'p1', sku: 'S', quantity: 1 }] }, 'holding', now, 60_000, false, 'corr');
    expect(r).toMatchObject({ status: 'holding', version: 1, rehold: false, correlationId: 'corr', expiresAt: new Date(now.getTime() + 60_000) });
    expect(openReservation(order, 'released', now, 1).correlationId).toBeUndefined();
  });

  const at = (status: Reservation['status'], extra: Partial<Reservation> = {}): Reservation => ({
    ...openReservation(order, 'holding', now, 60_000),
    status,
    ...extra,
  });
  const later = new Date(now.getTime() + 120_000);

  it.each([
    ['created', undefined, 'open'],
    ['created', at('holding'), 'hold'],
    ['created', at('holding', { rehold: true }), 'none'],
    ['created', at('reserved'), 'none'],
    ['created', at('released'), 'sweep'],
    ['created', at('rejected'), 'sweep'],
    ['created', at('expired'), 'sweep'],
    ['created', at('releasing'), 'wait'],
    ['created', at('expiring'), 'wait'],
    ['created', at('committed'), 'none'],
    ['confirmed', undefined, 'reopen'],
    ['confirmed', at('expired'), 'reopen'],
    ['confirmed', at('holding'), 'rehold'],
    ['confirmed', at('reserved'), 'commit'],
    ['confirmed', at('committing'), 'commit'],
    ['confirmed', at('committed'), 'none'],
    ['confirmed', at('restocking'), 'none'],
    ['confirmed', at('released'), 'sweep'],
    ['confirmed', at('rejected'), 'sweep'],
    ['confirmed', at('releasing'), 'wait'],
    ['confirmed', at('expiring'), 'wait'],
    ['cancelled', undefined, 'tombstone'],
    ['cancelled', at('holding'), 'release'],
    ['cancelled', at('reserved'), 'release'],
    ['cancelled', at('releasing'), 'release'],
    ['cancelled', at('expired'), 'close'],
    ['cancelled', at('expiring'), 'wait'],
    ['cancelled', at('committing'), 'restock'],
    ['cancelled', at('committed'), 'restock'],
    ['cancelled', at('restocking'), 'restock'],
    ['cancelled', at('restocked'), 'none'],
    ['cancelled', at('rejected'), 'none'],
    ['cancelled', at('released'), 'none'],
    ['expiry', undefined, 'none'],
    ['expiry', at('committed'), 'none'],
    ['expiry', at('releasing'), 'none'],
    ['expiry', at('expiring'), 'expire'],
  ] as const)('%s on %o → %s', (trigger, reservation, step) => {
    expect(stepFor(trigger, reservation, now)).toBe(step);
  });

  it('expires a holding or reserved reservation only once its time is up', () => {
    expect(stepFor('expiry', at('reserved'), now)).toBe('none');
    expect(stepFor('expiry', at('reserved'), later)).toBe('expire');
    expect(stepFor('expiry', at('holding'), later)).toBe('expire');
  });

  it('builds its outcome events from the reservation', () => {
    const r = { ...at('holding'), lines: [{ productId: 'p1', sku: 'S', quantity: 2 }] };
    const checkout = { provider: 'stripe' as const, email: 'b@example.com', total: 100, currency: 'EUR' };
    const reserved = reservedEvent(r, checkout, ctx);
    expect(reserved).toMatchObject({ type: 'inventory.reservation.reserved.v1', subject: ORDER, correlationId: 'corr-1' });
    expect(data(reserved)).toEqual({ orderId: ORDER, buyerId: 'b1', lines: r.lines, expiresAt: r.expiresAt.toISOString(), checkout });
    const rejected = rejectedEvent(r, 'out_of_stock', [{ productId: 'p1', sku: 'S', requested: 2, available: 1 }], { source: 'x', now });
    expect(data(rejected)).toEqual({
      orderId: ORDER,
      buyerId: 'b1',
      reason: 'out_of_stock',
      unavailable: [{ productId: 'p1', sku: 'S', requested: 2, available: 1 }],
    });
  });
});
