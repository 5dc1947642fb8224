import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnections } from '../../../layers/connections';
import { makeOutboxRelay, outboxCollection, publishToKafka } from '../../../layers/events/outbox';
import { withDocumentLock } from '../../../layers/locks';
import { paymentEvents } from '../../../functions/payment/events';
import type { PaystackPeer } from '../../support/paystack-peer';
import { collect, createTopics, deleteTopics, eventually, runSuffix } from '../events/kafka-support';
import { invoke } from '../support/invoke';
import {
  deliver,
  eventTypes,
  newOrderId,
  newTenant,
  post,
  reservedEvent,
  storedPayment,
  stripeEvent,
  stripeSignature,
  usePaymentEnvironment,
  type Mod,
} from './support';

let env: Awaited<ReturnType<typeof usePaymentEnvironment>>;
let paystack: PaystackPeer;
const fns: Record<string, Mod> = {};
// The relay publishes to run-unique copies of the payment topics: a system running beside this test never sees them.
const prefix = `it${runSuffix()}`;
const topicOf = (topic: string) => `${prefix}.${topic}`;
const topics = paymentEvents.map((e) => topicOf(e.topic));
const received: Awaited<ReturnType<typeof collect>>[] = [];

beforeAll(async () => {
  env = await usePaymentEnvironment();
  paystack = env.paystack;
  const modules = {
    reserved: import('../../../functions/payment/on-inventory-reserved'),
    stripe: import('../../../functions/payment/webhook-stripe'),
    paystack: import('../../../functions/payment/webhook-paystack'),
    refund: import('../../../functions/payment/refund'),
    get: import('../../../functions/payment/get'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
  await createTopics(...topics);
  for (const topic of topics) received.push(await collect(topic));
});
afterAll(async () => {
  for (const consumer of received) await consumer.stop();
  await deleteTopics(...topics).catch(() => undefined);
  await paystack.stop();
  await closeConnections();
});

/** A Stripe payment captured through stripe-mock and a signed webhook. */
const stripePaid = async (amount: number) => {
  const tenantId = newTenant();
  const orderId = newOrderId();
  await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: amount, currency: 'USD' }));
  const reference = (await storedPayment(tenantId, orderId))!.providerReference!;
  const payload = stripeEvent({ id: reference, tenantId, orderId, amount, currency: 'USD' });
  expect((await post(fns.stripe!, payload, { 'stripe-signature': stripeSignature(payload) })).status).toBe(200);
  return { tenantId, orderId };
};

const refund = async (tenantId: string, orderId: string, body: Record<string, unknown>, key = randomUUID(), roles: ('staff' | 'customer')[] = ['staff']) =>
  invoke<Record<string, any>>(fns.refund!, {
    method: 'POST',
    path: `/${orderId}`,
    token: await env.token(tenantId, 'clerk', roles),
    body,
    headers: { 'idempotency-key': key },
  });

describe('payment-refund through stripe-mock', () => {
  it('partial, then full, then 422 refund_exceeds_captured; each refund one event', async () => {
    const { tenantId, orderId } = await stripePaid(10_000);
    const first = await refund(tenantId, orderId, { amount: 2500, reason: 'one mug arrived broken' });
    expect(first).toMatchObject({
      status: 201,
      body: {
        refund: { amount: 2500, status: 'succeeded', reason: 'requested', note: 'one mug arrived broken', providerRefundId: expect.stringMatching(/^re_/) },
        payment: { refunded: 2500, refundable: 7500 },
      },
    });
    const rest = await refund(tenantId, orderId, { reason: 'order returned' });
    expect(rest).toMatchObject({ status: 201, body: { refund: { amount: 7500 }, payment: { refunded: 10_000, refundable: 0 } } });
    const over = await refund(tenantId, orderId, { amount: 1, reason: 'one more' });
    expect(over).toMatchObject({ status: 422, body: { code: 'refund_exceeds_captured', captured: 10_000, refundable: 0, requested: 1 } });
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ refunded: 10_000 });
    expect(eventTypes(doc)).toEqual(['payment.payment.succeeded.v1', 'payment.payment.refunded.v1', 'payment.payment.refunded.v1']);
    expect(doc!.outbox.slice(1).map((e) => JSON.parse(e.data).refundedTotal)).toEqual([2500, 10_000]);
  });

  it('more than captured in one request is 422 and changes nothing; bad bodies and roles are refused', async () => {
    const { tenantId, orderId } = await stripePaid(3000);
    const before = await storedPayment(tenantId, orderId);
    expect(await refund(tenantId, orderId, { amount: 3001, reason: 'too much' })).toMatchObject({ status: 422, body: { code: 'refund_exceeds_captured' } });
    expect(await refund(tenantId, orderId, { amount: -5, reason: 'negative' })).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    expect(await refund(tenantId, orderId, { amount: 10, reason: 'x', currency: 'USD' })).toMatchObject({ status: 400 });
    expect(await refund(tenantId, orderId, { amount: 10, reason: 'me' }, randomUUID(), ['customer'])).toMatchObject({
      status: 403,
      body: { code: 'insufficient_role' },
    });
    expect(await refund(newTenant(), orderId, { amount: 10, reason: 'not yours' })).toMatchObject({ status: 404 });
    expect(await storedPayment(tenantId, orderId)).toEqual(before);
  });

  it('the same Idempotency-Key replays the first answer and refunds once', async () => {
    const { tenantId, orderId } = await stripePaid(5000);
    const key = randomUUID();
    const first = await refund(tenantId, orderId, { amount: 1000, reason: 'late delivery' }, key);
    const again = await refund(tenantId, orderId, { amount: 1000, reason: 'late delivery' }, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.refund.id).toBe(first.body.refund.id);
    expect(await refund(tenantId, orderId, { amount: 2000, reason: 'late delivery' }, key)).toMatchObject({
      status: 422,
      body: { code: 'idempotency_key_reused' },
    });
    expect((await storedPayment(tenantId, orderId))!.refunds).toHaveLength(1);
  });

  it('concurrent refunds never add up past the captured amount', async () => {
    const { tenantId, orderId } = await stripePaid(10_000);
    const replies = await Promise.all(Array.from({ length: 6 }, () => refund(tenantId, orderId, { amount: 3000, reason: 'split refund' })));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 422, 422, 422]);
    for (const reply of replies.filter((r) => r.status === 422)) expect(reply.body.code).toBe('refund_exceeds_captured');
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ captured: 10_000, refunded: 9000 });
    expect(doc!.refunds.filter((r) => r.status === 'succeeded')).toHaveLength(3);
    expect(eventTypes(doc).filter((t) => t === 'payment.payment.refunded.v1')).toHaveLength(3);
  });

  it('a payment that captured nothing cannot be refunded', async () => {
    const tenantId = newTenant();
    const orderId = newOrderId();
    await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: 700, currency: 'USD' }));
    expect(await refund(tenantId, orderId, { reason: 'nothing taken' })).toMatchObject({ status: 409, body: { code: 'payment_not_captured' } });
  });
});

describe('Paystack through the local peer', () => {
  const charge = async (amount: number) => {
    const tenantId = newTenant();
    const orderId = newOrderId();
    const reserved = reservedEvent(tenantId, orderId, { provider: 'paystack', total: amount, currency: 'NGN' });
    expect(await deliver(fns.reserved!, reserved)).toEqual({ status: 200, body: { status: 'processed' } });
    return { tenantId, orderId, reserved };
  };
  const webhook = (body: string, signature?: string) => post(fns.paystack!, body, signature ? { 'x-paystack-signature': signature } : {});

  it('initialises with reference = order id; paying sends charge.success, which decides once', async () => {
    const { tenantId, orderId, reserved } = await charge(150_000);
    const tx = paystack.transaction(orderId)!;
    expect(tx).toMatchObject({ amount: 150_000, currency: 'NGN', email: 'buyer@example.com', metadata: { tenantId, orderId, buyerId: 'buyer-1' } });
    const pending = await invoke<Record<string, any>>(fns.get!, { path: `/${orderId}`, token: await env.token(tenantId, 'buyer-1', ['customer']) });
    expect(pending.body).toMatchObject({
      status: 'pending',
      provider: 'paystack',
      providerReference: orderId,
      nextAction: { type: 'redirect', url: tx.authorizationUrl },
    });

    const { webhook: signed } = await paystack.pay(orderId);
    // Unsigned and forged deliveries first: refused, nothing changed.
    expect(await webhook(signed!.body)).toMatchObject({ status: 400, body: { code: 'webhook_signature_missing' } });
    expect(await webhook(signed!.body, paystack.sign(`${signed!.body} `))).toMatchObject({ status: 400, body: { code: 'webhook_signature_invalid' } });
    expect(await webhook(signed!.body.replace('150000', '1'), signed!.signature)).toMatchObject({ status: 400, body: { code: 'webhook_signature_invalid' } });
    expect(eventTypes(await storedPayment(tenantId, orderId))).toEqual([]);

    expect(await webhook(signed!.body, signed!.signature)).toEqual({ status: 200, body: { received: true, result: 'decided' } });
    expect(await webhook(signed!.body, signed!.signature)).toMatchObject({ status: 409, body: { code: 'webhook_replayed' } });
    // The step redelivered under a new event id: Paystack says "Duplicate Transaction Reference", the verify says success; nothing new.
    expect((await deliver(fns.reserved!, { ...reserved, id: randomUUID() })).status).toBe(200);
    expect(paystack.transactions.filter((t) => t.reference === orderId)).toHaveLength(1);
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ status: 'succeeded', captured: 150_000, nextAction: null });
    expect(eventTypes(doc)).toEqual(['payment.payment.succeeded.v1']);
    expect(doc!.outbox[0]!.source).toBe('payment-webhook-paystack');
  });

  it('refunds partly and fully through Paystack, never more than captured', async () => {
    const { tenantId, orderId } = await charge(80_000);
    const { webhook: signed } = await paystack.pay(orderId);
    await webhook(signed!.body, signed!.signature);
    expect(await refund(tenantId, orderId, { amount: 30_000, reason: 'partial' })).toMatchObject({
      status: 201,
      body: { refund: { amount: 30_000, status: 'succeeded' } },
    });
    expect(await refund(tenantId, orderId, { amount: 50_001, reason: 'too much' })).toMatchObject({ status: 422, body: { code: 'refund_exceeds_captured' } });
    expect(await refund(tenantId, orderId, { reason: 'the rest' })).toMatchObject({
      status: 201,
      body: { refund: { amount: 50_000 }, payment: { refundable: 0 } },
    });
    expect(paystack.refunds.filter((r) => r.reference === orderId).map((r) => r.amount)).toEqual([30_000, 50_000]);
  });

  it('a currency Paystack does not take fails the payment at once', async () => {
    const tenantId = newTenant();
    const orderId = newOrderId();
    await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'paystack', total: 1000, currency: 'GBP' }));
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('Currency not supported') });
    expect(eventTypes(doc)).toEqual(['payment.payment.failed.v1']);
  });
});

describe('events leave through the outbox relay and Kafka', () => {
  it('exactly one payment.payment.succeeded per order on Kafka, however often the webhook and step ran', async () => {
    const { tenantId, orderId } = await stripePaid(1200);
    const again = stripeEvent({ id: 'pi_again', tenantId, orderId, amount: 1200, currency: 'USD' });
    await post(fns.stripe!, again, { 'stripe-signature': stripeSignature(again) });
    await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: 1200, currency: 'USD' }));
    const relay = makeOutboxRelay({
      aggregates: [paymentEvents[0]!.aggregate],
      collection: outboxCollection,
      publish: (entries) => publishToKafka(entries.map((entry) => ({ ...entry, topic: topicOf(entry.topic) }))),
      log: pino({ level: 'silent' }),
      now: Date.now,
      lock: withDocumentLock,
    });
    expect((await relay.drainOnce({ targets: [{ ...paymentEvents[0]!.aggregate, id: orderId }] })).published).toBe(1);
    expect((await storedPayment(tenantId, orderId))!.outbox).toEqual([]);
    const onKafka = () => received.flatMap((c) => c.messages).filter((m) => m.key?.toString() === orderId);
    await eventually(() => onKafka().length === 1, 20_000, 'the succeeded event on Kafka');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(onKafka()).toHaveLength(1);
    expect(onKafka()[0]!.headers?.ce_type?.toString()).toBe('payment.payment.succeeded.v1');
    expect(onKafka()[0]!.headers?.ce_tenantid?.toString()).toBe(tenantId);
  });
});
