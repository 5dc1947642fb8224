import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnections } from '../../../layers/connections';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { toHttpRequest } from '../../../layers/events/http-binding';
import { fromKafkaMessage } from '../../../layers/events/kafka-binding';
import { makeOutboxRelay, outboxCollection, publishToKafka } from '../../../layers/events/outbox';
import { withDocumentLock } from '../../../layers/locks';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';
import { orderEvents } from '../../../functions/orders/events';
import { paymentSucceeded } from '../../../functions/payment/events';
import { collect, createTopics, deleteTopics, eventually, runSuffix } from '../events/kafka-support';
import { invoke } from '../support/invoke';
import { CONNECTOR_SECRET, deliver, newTenant, newUser, orderBody, outboxOf, placeOrder, seedProduct, storedOrder, useOrderKeys, type Mod } from './support';

type Summary = { id: string; state: string; version: number; buyerId: string; subtotal: number | null; paymentId: string | null; cancellation: unknown };
type ListPage = { items: Summary[]; nextCursor: string | null };

let sign: Awaited<ReturnType<typeof useOrderKeys>>;
const fns: Record<string, Mod> = {};
// The relay publishes to run-unique copies of the order topics: a system running beside this test never sees these orders.
const prefix = `it${runSuffix()}`;
const topicOf = (topic: string) => `${prefix}.${topic}`;
const topics = orderEvents.map((e) => topicOf(e.topic));
const received: Awaited<ReturnType<typeof collect>>[] = [];

beforeAll(async () => {
  sign = await useOrderKeys();
  const modules = {
    create: import('../../../functions/orders/create'),
    list: import('../../../functions/orders/list'),
    cancel: import('../../../functions/orders/cancel'),
    fulfil: import('../../../functions/orders/fulfil'),
    deliver: import('../../../functions/orders/deliver'),
    paid: import('../../../functions/orders/on-payment-succeeded'),
    project: import('../../../functions/orders/on-order-changed'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
  await createTopics(...topics);
  for (const topic of topics) received.push(await collect(topic));
});
afterAll(async () => {
  for (const consumer of received) await consumer.stop();
  await deleteTopics(...topics).catch(() => undefined);
  await closeConnections();
});

const relay = makeOutboxRelay({
  aggregates: [orderEvents[0]!.aggregate],
  collection: outboxCollection,
  publish: (entries) => publishToKafka(entries.map((entry) => ({ ...entry, topic: topicOf(entry.topic) }))),
  log: pino({ level: 'silent' }),
  now: Date.now,
  lock: withDocumentLock,
});

/** The Kafka records received for these orders, oldest first per partition. */
const recordsOf = (ids: Set<string>) =>
  received.flatMap((consumer, index) => consumer.messages.filter((m) => ids.has(m.key!.toString())).map((message) => ({ topic: topics[index]!, message })));

/** What the trigger connector does with a record: a signed binary-mode CloudEvent POST to the projection. */
const deliverRecord = async ({ topic, message }: ReturnType<typeof recordsOf>[number]) => {
  const request = toHttpRequest(fromKafkaMessage({ key: message.key!.toString(), value: message.value, headers: message.headers }), {
    secret: CONNECTOR_SECRET,
    topic,
  });
  const reply = await invokeHandler(fns.project!.default as never, { method: 'POST', path: '/', headers: request.headers, query: {}, body: request.body });
  expect(reply.status, reply.body.toString()).toBe(200);
};

const shop = async () => {
  const tenantId = newTenant();
  const product = await seedProduct(tenantId);
  const buyerA = newUser();
  const buyerB = newUser();
  return {
    tenantId,
    product,
    buyerA,
    a: await sign(tenantId, buyerA),
    b: await sign(tenantId, buyerB),
    staff: await sign(tenantId, newUser(), ['staff']),
    place: (token: string, quantity = 1) => placeOrder(fns.create!, token, orderBody([{ productId: product.id, sku: 'MUG-S', quantity }])),
  };
};

const list = (token: string, query: Record<string, string> = {}) => invoke<ListPage>(fns.list!, { token, query });

/** Projects every event the orders' outboxes hold, straight to the projection (no relay), in the order given. */
const projectOutboxes = async (ids: string[], order: (events: OutboxEntry[]) => OutboxEntry[] = (e) => e) => {
  const events = order((await Promise.all(ids.map(outboxOf))).flat());
  for (const event of events) expect((await deliver(fns.project!, event)).status).toBe(200);
  return events;
};

const confirm = async (tenantId: string, orderId: string) => {
  const event = paymentSucceeded.create({
    subject: orderId,
    tenantId,
    source: 'payment-webhook-stripe',
    data: { orderId, paymentId: `pay-${orderId}`, provider: 'stripe', amount: 1800, currency: 'GBP', providerReference: 'pi_1' },
  });
  expect((await deliver(fns.paid!, event)).status).toBe(200);
};

describe('order read model (Redis) and orders-list', () => {
  it("serves each buyer's and the seller's lists, newest first, from events carried over Kafka by the relay", async () => {
    const s = await shop();
    const placed = [await s.place(s.a), await s.place(s.b), await s.place(s.a, 2), await s.place(s.a, 3), await s.place(s.b)];
    const ids = placed.map((o) => o.id);
    const drained = await relay.drainOnce({ targets: ids.map((id) => ({ ...orderEvents[0]!.aggregate, id })) });
    expect(drained.published).toBe(5);
    for (const id of ids) expect(await outboxOf(id)).toEqual([]);
    await eventually(() => recordsOf(new Set(ids)).length === 5, 20_000, 'the created events on Kafka');
    for (const record of recordsOf(new Set(ids))) await deliverRecord(record);

    const mine = await list(s.a);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((o) => o.id)).toEqual([ids[3], ids[2], ids[0]]);
    expect(mine.body.items[0]).toMatchObject({ state: 'pending', version: 1, buyerId: s.buyerA, subtotal: 5400 });
    expect((await list(s.b)).body.items.map((o) => o.id)).toEqual([ids[4], ids[1]]);
    expect((await list(s.staff, { view: 'seller' })).body.items.map((o) => o.id)).toEqual([...ids].reverse());
    expect(await list(s.a, { view: 'seller' })).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });

    // Pages of two, following the cursor to the end.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(s.staff, { view: 'seller', limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((o) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    // A cancel travels the same way and shows in the list.
    expect((await invoke(fns.cancel!, { method: 'POST', path: `/${ids[0]}`, token: s.a })).status).toBe(200);
    await relay.drainOnce({ targets: [{ ...orderEvents[0]!.aggregate, id: ids[0]! }] });
    await eventually(() => recordsOf(new Set([ids[0]!])).length === 2, 20_000, 'the cancelled event on Kafka');
    for (const record of recordsOf(new Set([ids[0]!])).filter((r) => r.topic === topicOf('orders.order.cancelled'))) await deliverRecord(record);
    expect((await list(s.a)).body.items.find((o) => o.id === ids[0])).toMatchObject({
      state: 'cancelled',
      version: 2,
      cancellation: { reason: 'buyer_cancelled', from: 'pending' },
    });
  });

  it('shows another tenant nothing, and refuses bad list queries with 400', async () => {
    const s = await shop();
    const placed = await s.place(s.a);
    await projectOutboxes([placed.id]);
    expect((await list(s.staff, { view: 'seller' })).body.items).toHaveLength(1);
    const stranger = await sign(newTenant(), s.buyerA, ['owner']);
    expect((await list(stranger)).body).toEqual({ items: [], nextCursor: null });
    expect((await list(stranger, { view: 'seller' })).body).toEqual({ items: [], nextCursor: null });
    const bad: Record<string, string>[] = [{ view: 'everyone' }, { limit: '0' }, { limit: '101' }, { cursor: 'a b' }, { state: 'pending' }];
    for (const query of bad) {
      expect((await list(s.a, query)).status, JSON.stringify(query)).toBe(400);
    }
  });

  it('keeps the newest state when events come late, twice, or all at once in any order', async () => {
    const s = await shop();
    const placed = await Promise.all(Array.from({ length: 6 }, () => s.place(s.a)));
    const ids = placed.map((o) => o.id);
    for (const id of ids) {
      await confirm(s.tenantId, id);
      expect((await invoke(fns.fulfil!, { method: 'POST', path: `/${id}`, token: s.staff })).status).toBe(200);
    }
    for (const id of ids.slice(0, 3)) expect((await invoke(fns.deliver!, { method: 'POST', path: `/${id}`, token: s.staff })).status).toBe(200);
    const events = (await Promise.all(ids.map(outboxOf))).flat();
    // Newest first, each event twice (a redelivery under a new id defeats the inbox), all concurrently.
    const copies = [...events].reverse().flatMap((e) => [e, { ...e, id: `${e.id.slice(0, -4)}beef` }]);
    const replies = await Promise.all(copies.map((e) => deliver(fns.project!, e)));
    for (const reply of replies) expect(reply.status).toBe(200);
    const items = (await list(s.a, { limit: '10' })).body.items;
    const byId = new Map(items.map((o) => [o.id, o]));
    for (const id of ids.slice(0, 3)) expect(byId.get(id)).toMatchObject({ state: 'delivered', version: 4, subtotal: 1800, paymentId: `pay-${id}` });
    for (const id of ids.slice(3)) expect(byId.get(id)).toMatchObject({ state: 'fulfilled', version: 3, subtotal: 1800, paymentId: `pay-${id}` });
    // An old event once more changes nothing.
    const created = events.find((e) => e.subject === ids[0] && e.type === 'orders.order.created.v1')!;
    expect(await deliver(fns.project!, { ...created, id: `${created.id.slice(0, -4)}cafe` })).toEqual({ status: 200, body: { status: 'processed' } });
    expect((await list(s.a, { limit: '10' })).body.items.find((o) => o.id === ids[0])).toMatchObject({ state: 'delivered', version: 4 });
    expect(await storedOrder(ids[0]!)).toMatchObject({ state: 'delivered', version: 4 });
  });
});
