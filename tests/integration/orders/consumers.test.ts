import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections } from '../../../layers/connections';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { registry } from '../../../layers/metrics';
import { reservationRejected, reservationReserved } from '../../../functions/inventory/events';
import { paymentFailed, paymentSucceeded } from '../../../functions/payment/events';
import { invoke } from '../support/invoke';
import { deliver, newTenant, newUser, orderBody, outboxOf, placeOrder, seedProduct, storedOrder, useOrderKeys, type Mod } from './support';

let sign: Awaited<ReturnType<typeof useOrderKeys>>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  sign = await useOrderKeys();
  const modules = {
    create: import('../../../functions/orders/create'),
    cancel: import('../../../functions/orders/cancel'),
    reserved: import('../../../functions/orders/on-inventory-reserved'),
    rejected: import('../../../functions/orders/on-inventory-rejected'),
    succeeded: import('../../../functions/orders/on-payment-succeeded'),
    failed: import('../../../functions/orders/on-payment-failed'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(closeConnections);

interface Placed {
  tenantId: string;
  buyerId: string;
  buyer: string;
  id: string;
  total: number;
  created: OutboxEntry;
}

/** A pending order placed through orders-create, and its created event (the saga's correlation root). */
const pending = async (): Promise<Placed> => {
  const tenantId = newTenant();
  const buyerId = newUser();
  const buyer = await sign(tenantId, buyerId);
  const product = await seedProduct(tenantId);
  const placed = await placeOrder(fns.create!, buyer, orderBody([{ productId: product.id, sku: 'MUG-S', quantity: 3 }]));
  const [created] = await outboxOf(placed.id);
  return { tenantId, buyerId, buyer, id: placed.id, total: placed.total, created: created! };
};

const cause = (o: Placed) => ({ correlationId: o.created.correlationId, causationId: o.created.id });

const reserved = (o: Placed) =>
  reservationReserved.create({
    subject: o.id,
    tenantId: o.tenantId,
    source: 'inventory-on-order-created',
    ...cause(o),
    data: {
      orderId: o.id,
      buyerId: o.buyerId,
      lines: [{ productId: 'p', sku: 'MUG-S', quantity: 3 }],
      expiresAt: new Date(Date.now() + 900_000).toISOString(),
      checkout: { provider: 'stripe', email: 'ada@example.com', total: o.total, currency: 'GBP' },
    },
  });

const rejected = (o: Placed, reason: 'out_of_stock' | 'expired') =>
  reservationRejected.create({
    subject: o.id,
    tenantId: o.tenantId,
    source: reason === 'expired' ? 'inventory-expire-reservations' : 'inventory-on-order-created',
    ...cause(o),
    data: {
      orderId: o.id,
      buyerId: o.buyerId,
      reason,
      unavailable: reason === 'out_of_stock' ? [{ productId: 'p', sku: 'MUG-S', requested: 3, available: 1 }] : [],
    },
  });

const succeeded = (o: Placed) =>
  paymentSucceeded.create({
    subject: o.id,
    tenantId: o.tenantId,
    source: 'payment-on-inventory-reserved',
    ...cause(o),
    data: { orderId: o.id, paymentId: `pay-${o.id}`, provider: 'stripe', amount: o.total, currency: 'GBP', providerReference: 'pi_1' },
  });

const failed = (o: Placed) =>
  paymentFailed.create({
    subject: o.id,
    tenantId: o.tenantId,
    source: 'payment-webhook-stripe',
    ...cause(o),
    data: { orderId: o.id, paymentId: `pay-${o.id}`, provider: 'stripe', amount: o.total, currency: 'GBP', reason: 'card_declined' },
  });

/** The same news again under a new event id: the inbox cannot drop it, only the state check can. */
const resent = (entry: OutboxEntry): OutboxEntry => ({ ...entry, id: uuidv7() });

const types = async (id: string) => (await outboxOf(id)).map((e) => e.type);

const sagaCount = async (outcome: string, reason: string): Promise<number> => {
  const metric = await registry.getSingleMetric('marketplace_saga_outcomes_total')!.get();
  return metric.values.find((v) => v.labels.saga === 'checkout' && v.labels.outcome === outcome && v.labels.reason === reason)?.value ?? 0;
};

describe('checkout saga consumers on FerretDB', () => {
  it('reserved → confirmed: each news once, redelivery dropped by the inbox, a re-sent copy changes nothing', async () => {
    const o = await pending();
    const hold = reserved(o);
    expect(await deliver(fns.reserved!, hold)).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'reserved', version: 2 });
    expect(await deliver(fns.reserved!, hold)).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(await deliver(fns.reserved!, resent(hold))).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'reserved', version: 2 });
    expect(await types(o.id)).toEqual(['orders.order.created.v1']);

    const confirmedBefore = await sagaCount('confirmed', 'payment_succeeded');
    const paid = succeeded(o);
    expect(await deliver(fns.succeeded!, paid)).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await deliver(fns.succeeded!, paid)).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(await deliver(fns.succeeded!, resent(paid))).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'confirmed', version: 3, paymentId: `pay-${o.id}` });
    const events = await outboxOf(o.id);
    expect(events.map((e) => e.type)).toEqual(['orders.order.created.v1', 'orders.order.confirmed.v1']);
    expect(events[1]).toMatchObject({ source: 'orders-on-payment-succeeded', correlationId: o.created.correlationId, causationId: paid.id });
    expect(JSON.parse(events[1]!.data)).toMatchObject({ orderId: o.id, paymentId: `pay-${o.id}`, total: o.total, version: 3 });
    expect(await sagaCount('confirmed', 'payment_succeeded')).toBe(confirmedBefore + 1);

    // The reservation news arriving again after the confirmation changes nothing either.
    expect(await deliver(fns.reserved!, resent(hold))).toMatchObject({ status: 200 });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'confirmed', version: 3 });
  });

  it('confirms once under 10 concurrent deliveries of the same payment success (same id and re-sent copies)', async () => {
    const o = await pending();
    await deliver(fns.reserved!, reserved(o));
    const paid = succeeded(o);
    const replies = await Promise.all(
      [...Array.from({ length: 5 }, () => paid), ...Array.from({ length: 5 }, () => resent(paid))].map((e) => deliver(fns.succeeded!, e)),
    );
    // The inbox refuses a copy of an event still being processed with a retryable 409; the connector retries it.
    for (const reply of replies) expect([200, 409], JSON.stringify(reply)).toContain(reply.status);
    expect(await storedOrder(o.id)).toMatchObject({ state: 'confirmed', version: 3 });
    expect((await types(o.id)).filter((t) => t === 'orders.order.confirmed.v1')).toHaveLength(1);
  });

  it('confirms a pending order when the payment news overtakes the reservation news', async () => {
    const o = await pending();
    expect(await deliver(fns.succeeded!, succeeded(o))).toMatchObject({ status: 200 });
    expect(await deliver(fns.reserved!, reserved(o))).toMatchObject({ status: 200 });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'confirmed', version: 2 });
    expect(await types(o.id)).toEqual(['orders.order.created.v1', 'orders.order.confirmed.v1']);
  });

  it('leaves a cancelled order cancelled when its payment succeeds afterwards (payment refunds on its own)', async () => {
    const o = await pending();
    await deliver(fns.reserved!, reserved(o));
    expect((await invoke(fns.cancel!, { method: 'POST', path: `/${o.id}`, token: o.buyer })).status).toBe(200);
    expect(await deliver(fns.succeeded!, succeeded(o))).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'cancelled', paymentId: null, cancellation: { reason: 'buyer_cancelled', from: 'reserved' } });
    expect(await types(o.id)).toEqual(['orders.order.created.v1', 'orders.order.cancelled.v1']);
  });

  it('cancels on payment failure (payment_failed), once', async () => {
    const o = await pending();
    await deliver(fns.reserved!, reserved(o));
    const before = await sagaCount('cancelled', 'payment_failed');
    const news = failed(o);
    expect(await deliver(fns.failed!, news)).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await deliver(fns.failed!, resent(news))).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'cancelled', version: 3, cancellation: { reason: 'payment_failed', from: 'reserved' } });
    const events = await outboxOf(o.id);
    expect(events.map((e) => e.type)).toEqual(['orders.order.created.v1', 'orders.order.cancelled.v1']);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ reason: 'payment_failed', from: 'reserved' });
    expect(await sagaCount('cancelled', 'payment_failed')).toBe(before + 1);
  });

  it('cancels out of stock from pending; a later payment failure changes nothing', async () => {
    const o = await pending();
    expect(await deliver(fns.rejected!, rejected(o, 'out_of_stock'))).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'cancelled', cancellation: { reason: 'out_of_stock', from: 'pending' } });
    await deliver(fns.failed!, failed(o));
    expect(await types(o.id)).toEqual(['orders.order.created.v1', 'orders.order.cancelled.v1']);
  });

  it('cancels a confirmed order whose hold expired (from: confirmed, so payment refunds); out of stock would not', async () => {
    const o = await pending();
    await deliver(fns.reserved!, reserved(o));
    await deliver(fns.succeeded!, succeeded(o));
    expect(await deliver(fns.rejected!, rejected(o, 'out_of_stock'))).toMatchObject({ status: 200 });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'confirmed' });
    expect(await deliver(fns.rejected!, rejected(o, 'expired'))).toMatchObject({ status: 200 });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'cancelled', version: 4, cancellation: { reason: 'reservation_expired', from: 'confirmed' } });
    expect(JSON.parse((await outboxOf(o.id)).at(-1)!.data)).toMatchObject({ reason: 'reservation_expired', from: 'confirmed', version: 4 });
  });

  it('reaches one final state when payment success, payment failure, expiry and the buyer race', async () => {
    for (let round = 0; round < 3; round += 1) {
      const o = await pending();
      await deliver(fns.reserved!, reserved(o));
      await Promise.all([
        deliver(fns.succeeded!, succeeded(o)),
        deliver(fns.failed!, failed(o)),
        deliver(fns.rejected!, rejected(o, 'expired')),
        invoke(fns.cancel!, { method: 'POST', path: `/${o.id}`, token: o.buyer }),
      ]);
      const stored = await storedOrder(o.id);
      const events = stored!.outbox.map((e) => e.type);
      // Whatever won: every state change wrote exactly its event, versions count them, and the order ended cancelled.
      expect(stored!.state).toBe('cancelled');
      expect(events.filter((t) => t === 'orders.order.cancelled.v1')).toHaveLength(1);
      expect(events.filter((t) => t === 'orders.order.confirmed.v1').length).toBeLessThanOrEqual(1);
      expect(stored!.version).toBe(2 + events.length - 1);
      expect(stored!.outbox.map((e) => JSON.parse(e.data).version)).toEqual(events.map((_, i) => (i === 0 ? 1 : 2 + i)));
    }
  });

  it("answers 404 for news of an order that does not exist (dead-lettered), and never touches another tenant's order", async () => {
    const o = await pending();
    const stranger = { ...o, tenantId: newTenant() };
    expect(await deliver(fns.succeeded!, succeeded(stranger))).toMatchObject({ status: 404 });
    expect(await deliver(fns.failed!, failed({ ...o, id: uuidv7() }))).toMatchObject({ status: 404 });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'pending', version: 1 });
  });

  it('refuses an event whose data breaks its schema with 422, changing nothing', async () => {
    const o = await pending();
    const broken = { ...succeeded(o), data: JSON.stringify({ orderId: o.id, paymentId: '', amount: -1 }) };
    expect(await deliver(fns.succeeded!, broken)).toMatchObject({ status: 422, body: { code: 'invalid_event_data' } });
    expect(await storedOrder(o.id)).toMatchObject({ state: 'pending', version: 1 });
  });
});
