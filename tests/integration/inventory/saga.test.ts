import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { inventoryEvents } from '../../../functions/inventory/events';
import { closeConnections, serviceDb } from '../../../layers/connections';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { headerStrings } from '../../../layers/events/kafka-binding';
import { outboxRelay } from '../../../layers/events/outbox';
import { collect, eventually } from '../events/kafka-support';
import { invoke, useTestKeys } from '../support/invoke';
import {
  cancelledEvent,
  confirmedEvent,
  createProduct,
  createdEvent,
  dataOf,
  deliver,
  getStock,
  loadFunctions,
  rawReservation,
  rawStock,
  setStock,
  type Mod,
  type Token,
} from './support';

let token: Token;
let fns: Record<string, Mod>;
let onStockChanged: Mod;
let productsGet: Mod;

beforeAll(async () => {
  token = await useTestKeys();
  fns = await loadFunctions();
  onStockChanged = (await import('../../../functions/products/on-stock-changed')) as Mod;
  productsGet = (await import('../../../functions/products/get')) as Mod;
});
afterAll(closeConnections);

/** A tenant with one product whose variants are stocked as given. */
const shop = async (stock: Record<string, number>, lowStockThreshold = 0) => {
  const tenant = `t-${uuidv7()}`;
  const productId = await createProduct(fns, token, tenant, Object.keys(stock));
  for (const [sku, onHand] of Object.entries(stock))
    expect((await setStock(fns, token, tenant, productId, sku, { onHand, lowStockThreshold })).status).toBe(201);
  const level = async (sku: string) => (await getStock(fns, token, tenant, productId, sku)).body;
  const line = (sku: string, quantity: number) => ({ productId, sku, quantity });
  return { tenant, productId, level, line };
};

const orderIdOf = (entry: OutboxEntry) => dataOf<{ orderId: string }>(entry).orderId;
const reservationEvents = async (entry: OutboxEntry) => ((await rawReservation(orderIdOf(entry)))?.outbox ?? []).map((e) => ({ type: e.type, ...dataOf(e) }));

describe('the inventory steps of the checkout saga (FerretDB, Redis, Kafka)', () => {
  it('reserves then commits; redelivery changes nothing; the relay publishes to Kafka and the product view follows', async () => {
    const { tenant, productId, level, line } = await shop({ A: 5, B: 3 }, 1);
    const created = createdEvent(tenant, [line('A', 2), line('B', 1)]);

    expect((await deliver(fns.created!, created)).body).toEqual({ status: 'processed' });
    expect((await deliver(fns.created!, created)).body).toEqual({ status: 'duplicate' });
    expect(await level('A')).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    expect(await level('B')).toMatchObject({ onHand: 3, reserved: 1, available: 2 });
    const reservation = (await rawReservation(orderIdOf(created)))!;
    expect(reservation.status).toBe('reserved');
    expect(reservation.outbox).toHaveLength(1);
    expect(reservation.outbox[0]).toMatchObject({
      type: 'inventory.reservation.reserved.v1',
      subject: orderIdOf(created),
      correlationId: created.correlationId,
      causationId: created.id,
    });
    expect(dataOf(reservation.outbox[0]!)).toMatchObject({
      orderId: orderIdOf(created),
      lines: [line('A', 2), line('B', 1)],
      checkout: { provider: 'stripe', total: 5400 },
    });

    // The same order delivered again under a new event id (a producer's retry) holds nothing twice.
    expect((await deliver(fns.created!, { ...created, id: uuidv7() })).body).toEqual({ status: 'processed' });
    expect(await level('A')).toMatchObject({ reserved: 2 });

    const confirmed = confirmedEvent(created);
    expect((await deliver(fns.confirmed!, confirmed)).body).toEqual({ status: 'processed' });
    expect((await deliver(fns.confirmed!, { ...confirmed, id: uuidv7() })).body).toEqual({ status: 'processed' });
    expect(await level('A')).toMatchObject({ onHand: 3, reserved: 0, available: 3, version: 3 });
    expect(await level('B')).toMatchObject({ onHand: 2, reserved: 0, available: 2, version: 3 });
    expect((await rawReservation(orderIdOf(created)))!.status).toBe('committed');

    // Every stock change is in its document's outbox, in the write that made it: set, reserved, committed.
    const stockOutbox = [...(await rawStock(productId, 'A'))!.outbox, ...(await rawStock(productId, 'B'))!.outbox];
    expect(stockOutbox.filter((e) => e.type === 'inventory.stock.changed.v1').map((e) => dataOf<{ cause: string }>(e).cause)).toEqual([
      'set',
      'reserved',
      'committed',
      'set',
      'reserved',
      'committed',
    ]);

    // The relay drains both collections into their Kafka topics.
    const topics = await Promise.all(['inventory.stock.changed', 'inventory.reservation.reserved'].map((topic) => collect(topic)));
    try {
      const relay = outboxRelay([...new Map(inventoryEvents.map((e) => [`${e.aggregate.collection}`, e.aggregate])).values()], pino({ level: 'silent' }));
      const drained = await relay.drainOnce({
        targets: [
          { service: 'inventory', collection: 'stock', id: `${productId}:A` },
          { service: 'inventory', collection: 'stock', id: `${productId}:B` },
          { service: 'inventory', collection: 'reservations', id: orderIdOf(created) },
        ],
      });
      expect(drained.published).toBe(stockOutbox.length + 1);
      const wanted = [...stockOutbox, ...reservation.outbox].filter((e) => e.topic !== 'inventory.stock.low').map((e) => e.id);
      const seen = () => new Set(topics.flatMap((t) => t.messages.map((m) => headerStrings(m.headers).ce_id)));
      await eventually(() => wanted.every((id) => seen().has(id)), 20_000, 'the inventory events on Kafka');
      expect((await rawStock(productId, 'A'))!.outbox).toEqual([]);
      expect((await rawReservation(orderIdOf(created)))!.outbox).toEqual([]);
    } finally {
      await Promise.all(topics.map((t) => t.stop()));
    }

    // products-on-stock-changed keeps the product view (seeded by a first read) from these events, newest version winning in any order.
    const readView = async () =>
      invoke<{ stock: Record<string, { available: number; reserved: number }>; inStock: boolean }>(productsGet, {
        path: `/${productId}`,
        token: await token(tenant, ['customer']),
      });
    expect((await readView()).status).toBe(200);
    for (const entry of stockOutbox.filter((e) => e.type === 'inventory.stock.changed.v1').reverse()) {
      expect((await deliver(onStockChanged, entry)).status).toBe(200);
    }
    expect((await readView()).body).toMatchObject({ stock: { A: { available: 3, reserved: 0 }, B: { available: 2, reserved: 0 } }, inStock: true });
  });

  it('rejects an order with a short line, gives back the lines it held, and names what is short', async () => {
    const { tenant, level, line } = await shop({ A: 5, B: 1 });
    const created = createdEvent(tenant, [line('A', 2), line('B', 2)]);
    expect((await deliver(fns.created!, created)).body).toEqual({ status: 'processed' });
    expect(await level('A')).toMatchObject({ reserved: 0, available: 5, version: 3 });
    expect(await level('B')).toMatchObject({ reserved: 0, available: 1, version: 1 });
    expect((await rawReservation(orderIdOf(created)))!.status).toBe('rejected');
    expect(await reservationEvents(created)).toEqual([
      {
        type: 'inventory.reservation.rejected.v1',
        orderId: orderIdOf(created),
        buyerId: `buyer-${tenant}`,
        reason: 'out_of_stock',
        unavailable: [{ productId: line('B', 0).productId, sku: 'B', requested: 2, available: 1 }],
      },
    ]);
    // A cancel of the rejected order changes nothing.
    expect((await deliver(fns.cancelled!, cancelledEvent(created, 'pending'))).body).toEqual({ status: 'processed' });
    expect((await rawReservation(orderIdOf(created)))!.status).toBe('rejected');
  });

  it('a cancel releases what a reserved order holds; a paid order cancelled before fulfilment goes back on hand, once', async () => {
    const { tenant, level, line } = await shop({ A: 10 });
    const reservedOrder = createdEvent(tenant, [line('A', 3)]);
    await deliver(fns.created!, reservedOrder);
    expect(await level('A')).toMatchObject({ reserved: 3, available: 7 });
    expect((await deliver(fns.cancelled!, cancelledEvent(reservedOrder, 'reserved'))).body).toEqual({ status: 'processed' });
    expect(await level('A')).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect((await rawReservation(orderIdOf(reservedOrder)))!.status).toBe('released');

    const paidOrder = createdEvent(tenant, [line('A', 4)]);
    await deliver(fns.created!, paidOrder);
    await deliver(fns.confirmed!, confirmedEvent(paidOrder));
    expect(await level('A')).toMatchObject({ onHand: 6, reserved: 0, available: 6 });
    const cancel = cancelledEvent(paidOrder, 'confirmed');
    expect((await deliver(fns.cancelled!, cancel)).body).toEqual({ status: 'processed' });
    expect((await deliver(fns.cancelled!, { ...cancel, id: uuidv7() })).body).toEqual({ status: 'processed' });
    expect(await level('A')).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect((await rawReservation(orderIdOf(paidOrder)))!.status).toBe('restocked');
  });

  it('a reservation left alone expires by the sweep, returns its stock and tells the order; a late confirmation holds it again', async () => {
    const { tenant, productId, level, line } = await shop({ A: 4 });
    const created = createdEvent(tenant, [line('A', 3)]);
    await deliver(fns.created!, created);
    const untouched = createdEvent(tenant, [line('A', 1)]);
    await deliver(fns.created!, untouched);
    expect(await level('A')).toMatchObject({ reserved: 4, available: 0 });

    // Its time passes (RESERVATION_TTL_SECONDS is 900 here): move its expiry into the past.
    await (
      await serviceDb('inventory')
    )
      .collection('reservations')
      .updateOne({ _id: orderIdOf(created) as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const sweep = await invoke<{ status: string; due: number; expired: number; failed: number }>(fns.expire!, { method: 'POST' });
    expect(sweep).toMatchObject({ status: 200, body: { status: 'done', due: 1, expired: 1, failed: 0 } });
    expect(await level('A')).toMatchObject({ onHand: 4, reserved: 1, available: 3 });
    expect((await rawReservation(orderIdOf(created)))!.status).toBe('expired');
    expect((await rawReservation(orderIdOf(untouched)))!.status).toBe('reserved');
    const events = await reservationEvents(created);
    expect(events.map((e) => `${e.type}:${(e as { reason?: string }).reason ?? ''}`)).toEqual([
      'inventory.reservation.reserved.v1:',
      'inventory.reservation.rejected.v1:expired',
    ]);
    expect((await rawReservation(orderIdOf(created)))!.outbox[1]).toMatchObject({
      correlationId: created.correlationId,
      source: 'inventory-expire-reservations',
    });
    expect((await invoke(fns.expire!, { method: 'POST' })).body).toMatchObject({ due: 0, expired: 0 });

    // The payment landed anyway: the stock is still there, so it is held again and committed.
    expect((await deliver(fns.confirmed!, confirmedEvent(created))).body).toEqual({ status: 'processed' });
    expect(await level('A')).toMatchObject({ onHand: 1, reserved: 1, available: 0 });
    expect((await rawReservation(orderIdOf(created)))!.status).toBe('committed');
    expect((await rawStock(productId, 'A'))!.holds.map((h) => h.orderId)).toEqual([orderIdOf(untouched)]);
  });

  it('an expired hold that cannot be taken again is rejected{expired} on confirmation', async () => {
    const { tenant, level, line } = await shop({ A: 2 });
    const created = createdEvent(tenant, [line('A', 2)]);
    await deliver(fns.created!, created);
    await (
      await serviceDb('inventory')
    )
      .collection('reservations')
      .updateOne({ _id: orderIdOf(created) as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await invoke(fns.expire!, { method: 'POST' });
    await deliver(fns.created!, createdEvent(tenant, [line('A', 2)]));
    expect(await level('A')).toMatchObject({ reserved: 2, available: 0 });

    expect((await deliver(fns.confirmed!, confirmedEvent(created))).body).toEqual({ status: 'processed' });
    expect((await rawReservation(orderIdOf(created)))!.status).toBe('expired');
    expect((await reservationEvents(created)).at(-1)).toMatchObject({ reason: 'expired', unavailable: [{ sku: 'A', requested: 2, available: 0 }] });
    expect(await level('A')).toMatchObject({ onHand: 2, reserved: 2 });
  });

  it('a cancel that arrives before the order leaves nothing held, even when both arrive at once', async () => {
    const { tenant, level, line } = await shop({ A: 5 });
    const early = createdEvent(tenant, [line('A', 2)]);
    await deliver(fns.cancelled!, cancelledEvent(early, 'pending'));
    expect((await deliver(fns.created!, early)).body).toEqual({ status: 'processed' });
    expect((await rawReservation(orderIdOf(early)))!.status).toBe('released');
    expect(await reservationEvents(early)).toEqual([]);

    const racing = Array.from({ length: 5 }, () => createdEvent(tenant, [line('A', 1)]));
    const replies = await Promise.all(
      racing.flatMap((created) => [deliver(fns.created!, created), deliver(fns.cancelled!, cancelledEvent(created, 'pending'))]),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await level('A')).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });

  it.each([
    ['a zero quantity', 0],
    ['a negative quantity', -3],
    ['a fractional quantity', 1.5],
    ['an operator as quantity', { $gt: 0 }],
  ])('refuses an order event with %s (422 invalid_event_data) and holds nothing', async (_name, quantity) => {
    const { tenant, productId, level } = await shop({ A: 5 });
    const valid = createdEvent(tenant, [{ productId, sku: 'A', quantity: 1 }]);
    const data = dataOf<{ lines: Record<string, unknown>[] }>(valid);
    const bad = { ...valid, data: JSON.stringify({ ...data, lines: [{ ...data.lines[0], quantity }] }) };
    const reply = await deliver(fns.created!, bad);
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({ code: 'invalid_event_data' });
    expect(await level('A')).toMatchObject({ reserved: 0, available: 5, version: 1 });
    expect(await rawReservation(orderIdOf(valid))).toBeNull();
  });
});
