import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnections } from '../../../layers/connections';
import type { PaystackPeer } from '../../support/paystack-peer';
import { invoke } from '../support/invoke';
import {
  cancelledEvent,
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

beforeAll(async () => {
  env = await usePaymentEnvironment();
  paystack = env.paystack;
  const modules = {
    reserved: import('../../../functions/payment/on-inventory-reserved'),
    cancelled: import('../../../functions/payment/on-order-cancelled'),
    webhook: import('../../../functions/payment/webhook-stripe'),
    get: import('../../../functions/payment/get'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(async () => {
  await paystack.stop();
  await closeConnections();
});

/** A reserved order charged through stripe-mock: pending (stripe-mock's canned intent needs a payment method), with its intent id. */
const charged = async (amount = 2500) => {
  const tenantId = newTenant();
  const orderId = newOrderId();
  const reply = await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: amount, currency: 'EUR' }));
  expect(reply).toEqual({ status: 200, body: { status: 'processed' } });
  const doc = await storedPayment(tenantId, orderId);
  expect(doc).toMatchObject({
    status: 'pending',
    provider: 'stripe',
    amount,
    currency: 'EUR',
    buyerId: 'buyer-1',
    providerReference: expect.stringMatching(/^pi_/),
  });
  return { tenantId, orderId, intent: { id: doc!.providerReference!, tenantId, orderId, amount, currency: 'EUR' } };
};

const webhook = (payload: string, signature?: string) => post(fns.webhook!, payload, signature === undefined ? {} : { 'stripe-signature': signature });

describe('payment on Stripe (stripe-mock) and FerretDB', () => {
  it('charges a reserved order through stripe-mock; the signed webhook decides once; replays and redeliveries change nothing', async () => {
    const { tenantId, orderId, intent } = await charged();
    expect(eventTypes(await storedPayment(tenantId, orderId))).toEqual([]);
    const payload = stripeEvent(intent);
    expect(await webhook(payload, stripeSignature(payload))).toEqual({ status: 200, body: { received: true, result: 'decided' } });
    const decided = await storedPayment(tenantId, orderId);
    expect(decided).toMatchObject({ status: 'succeeded', captured: 2500 });
    expect(eventTypes(decided)).toEqual(['payment.payment.succeeded.v1']);
    expect(JSON.parse(decided!.outbox[0]!.data)).toEqual({
      orderId,
      paymentId: orderId,
      provider: 'stripe',
      amount: 2500,
      currency: 'EUR',
      providerReference: intent.id,
    });

    // The same event again (Stripe's retry of an answered delivery): 409, nothing changed.
    const replay = await webhook(payload, stripeSignature(payload));
    expect(replay).toMatchObject({ status: 409, body: { code: 'webhook_replayed' } });
    // Another event for the same success, and the saga step redelivered under a new event id: nothing new.
    const second = stripeEvent(intent);
    expect((await webhook(second, stripeSignature(second))).body).toEqual({ received: true, result: 'unchanged' });
    expect(
      (await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: 2500, currency: 'EUR' }))).status,
    ).toBe(200);
    const after = await storedPayment(tenantId, orderId);
    expect(eventTypes(after)).toEqual(['payment.payment.succeeded.v1']);
    expect(after).toMatchObject({ status: 'succeeded', providerReference: intent.id });
  });

  it('a webhook before the saga step: the step charges nothing and emits nothing', async () => {
    const tenantId = newTenant();
    const orderId = newOrderId();
    const payload = stripeEvent({ id: 'pi_early', tenantId, orderId, amount: 1800, currency: 'EUR', buyerId: 'buyer-1' });
    expect((await webhook(payload, stripeSignature(payload))).body).toEqual({ received: true, result: 'decided' });
    expect(
      await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: 1800, currency: 'EUR' })),
    ).toMatchObject({
      status: 200,
    });
    const doc = await storedPayment(tenantId, orderId);
    // Still the webhook's intent: no second PaymentIntent was created.
    expect(doc).toMatchObject({ status: 'succeeded', providerReference: 'pi_early', email: 'buyer@example.com' });
    expect(eventTypes(doc)).toEqual(['payment.payment.succeeded.v1']);
    expect(doc!.outbox[0]!.source).toBe('payment-webhook-stripe');
  });

  it('the same webhook twice at once, and the step beside them: one effect', async () => {
    const { tenantId, orderId, intent } = await charged(3100);
    const payload = stripeEvent(intent);
    const other = stripeEvent(intent);
    const replies = await Promise.all([
      webhook(payload, stripeSignature(payload)),
      webhook(payload, stripeSignature(payload)),
      webhook(other, stripeSignature(other)),
      deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: 3100, currency: 'EUR' })),
    ]);
    expect(
      replies
        .slice(0, 2)
        .map((r) => r.status)
        .sort(),
    ).toEqual([200, 409]);
    expect(replies[2]!.status).toBe(200);
    expect(replies[3]!.status).toBe(200);
    expect(eventTypes(await storedPayment(tenantId, orderId))).toEqual(['payment.payment.succeeded.v1']);
  });

  it('unsigned, wrongly signed, tampered and stale webhooks are 400 and change nothing', async () => {
    const { tenantId, orderId, intent } = await charged();
    const before = await storedPayment(tenantId, orderId);
    const payload = stripeEvent(intent);
    const cases: [string, string | undefined, string][] = [
      [payload, undefined, 'webhook_signature_missing'],
      [payload, 't=1,v1=deadbeef', 'webhook_signature_invalid'],
      [payload, stripeSignature(payload, undefined, 'whsec_someone_elses_secret_0000'), 'webhook_signature_invalid'],
      [payload.replace('"amount":2500', '"amount":1'), stripeSignature(payload), 'webhook_signature_invalid'],
      [payload, stripeSignature(payload, Math.floor(Date.now() / 1000) - 301), 'webhook_timestamp_stale'],
    ];
    for (const [body, signature, code] of cases) {
      const reply = await webhook(body, signature);
      expect(reply, code).toMatchObject({ status: 400, body: { code, status: 400 } });
    }
    expect(await storedPayment(tenantId, orderId)).toEqual(before);
    // A malformed body is refused before anything is read.
    expect((await webhook('{"id":', stripeSignature('{"id":'))).status).toBe(400);
    // The genuine one still works afterwards.
    expect((await webhook(payload, stripeSignature(payload))).status).toBe(200);
  });

  it('a failed payment is announced once', async () => {
    const { tenantId, orderId, intent } = await charged();
    const payload = stripeEvent(intent, 'payment_intent.payment_failed');
    expect((await webhook(payload, stripeSignature(payload))).body).toEqual({ received: true, result: 'decided' });
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ status: 'failed', failureReason: 'generic_decline', captured: 0 });
    expect(eventTypes(doc)).toEqual(['payment.payment.failed.v1']);
    // A success reported after the failure (the order is cancelled for it): refunded at once, never a success.
    const late = stripeEvent(intent);
    expect((await webhook(late, stripeSignature(late))).body).toEqual({ received: true, result: 'refund' });
    expect(eventTypes(await storedPayment(tenantId, orderId))).toEqual(['payment.payment.failed.v1', 'payment.payment.refunded.v1']);
  });

  it('a paid order cancelled is refunded once through Stripe; redeliveries refund nothing more', async () => {
    const { tenantId, orderId, intent } = await charged(4000);
    const payload = stripeEvent(intent);
    await webhook(payload, stripeSignature(payload));
    const cancel = cancelledEvent(tenantId, orderId, 4000, 'EUR', 'confirmed');
    expect(await deliver(fns.cancelled!, cancel)).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await deliver(fns.cancelled!, cancel)).toEqual({ status: 200, body: { status: 'duplicate' } });
    // The same cancellation under another event id (a second cancel of the order): no second refund.
    expect((await deliver(fns.cancelled!, cancelledEvent(tenantId, orderId, 4000, 'EUR', 'confirmed'))).status).toBe(200);
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ status: 'succeeded', orderCancelled: true, captured: 4000, refunded: 4000 });
    expect(doc!.refunds).toMatchObject([
      { id: `${orderId}:cancel`, amount: 4000, status: 'succeeded', reason: 'order_cancelled', providerRefundId: expect.stringMatching(/^re_/) },
    ]);
    expect(eventTypes(doc)).toEqual(['payment.payment.succeeded.v1', 'payment.payment.refunded.v1']);
    expect(JSON.parse(doc!.outbox[1]!.data)).toMatchObject({ refunded: 4000, refundedTotal: 4000, reason: 'order_cancelled' });
  });

  it('a pending payment of a cancelled order is cancelled; its late success is refunded and never confirms anything', async () => {
    const { tenantId, orderId, intent } = await charged(2200);
    expect((await deliver(fns.cancelled!, cancelledEvent(tenantId, orderId, 2200, 'EUR', 'reserved'))).status).toBe(200);
    expect(await storedPayment(tenantId, orderId)).toMatchObject({ status: 'cancelled', orderCancelled: true });
    const late = stripeEvent(intent);
    expect((await webhook(late, stripeSignature(late))).body).toEqual({ received: true, result: 'refund' });
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ status: 'cancelled', captured: 2200, refunded: 2200 });
    expect(eventTypes(doc)).toEqual(['payment.payment.refunded.v1']);
  });

  it('an order cancelled before its payment step is never charged', async () => {
    const tenantId = newTenant();
    const orderId = newOrderId();
    await deliver(fns.cancelled!, cancelledEvent(tenantId, orderId, 900, 'EUR', 'reserved'));
    await deliver(fns.reserved!, reservedEvent(tenantId, orderId, { provider: 'stripe', method: 'pm_card_visa', total: 900, currency: 'EUR' }));
    const doc = await storedPayment(tenantId, orderId);
    expect(doc).toMatchObject({ status: 'cancelled', providerReference: null, captured: 0 });
    expect(eventTypes(doc)).toEqual([]);
  });

  it('payment-get: the buyer sees their own, another customer and another tenant get 404, staff see it', async () => {
    const { tenantId, orderId } = await charged();
    const get = async (tenant: string, user: string, roles: ('customer' | 'staff')[]) =>
      invoke<Record<string, unknown>>(fns.get!, { path: `/${orderId}`, token: await env.token(tenant, user, roles) });
    const mine = await get(tenantId, 'buyer-1', ['customer']);
    expect(mine).toMatchObject({ status: 200, body: { orderId, status: 'pending', amount: 2500, refundable: 0, provider: 'stripe' } });
    expect(mine.body).not.toHaveProperty('webhookEvents');
    expect(await get(tenantId, 'buyer-2', ['customer'])).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await get(newTenant(), 'buyer-1', ['staff'])).toMatchObject({ status: 404 });
    expect(await get(tenantId, 'clerk', ['staff'])).toMatchObject({ status: 200, body: { buyerId: 'buyer-1' } });
    expect((await invoke(fns.get!, { path: '/not-an-order', token: await env.token(tenantId, 'clerk', ['staff']) })).status).toBe(400);
  });
});
