import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { makePaystackWebhook } from '../../../functions/payment/webhook-paystack';
import { makeStripeWebhook } from '../../../functions/payment/webhook-stripe';
import { fakeGateway, memoryPaymentStore, orderIdOf, testDeps } from './support';

const secret = 'whsec_00112233445566778899aabbccddeeff';
const paystackKey = `sk_test_${'c'.repeat(40)}`;
const tenantId = 't-hooks';
const nowMs = Date.now();

const setup = () => {
  const memory = memoryPaymentStore();
  const deps = testDeps(memory.store, { stripe: fakeGateway('stripe'), paystack: fakeGateway('paystack') });
  return { ...memory, deps };
};

const stripeBody = (orderId: string, type = 'payment_intent.succeeded', id = `evt_${orderId}`) =>
  JSON.stringify({
    id,
    object: 'event',
    type,
    data: {
      object: {
        id: 'pi_w',
        object: 'payment_intent',
        amount: 1500,
        amount_received: 1500,
        currency: 'usd',
        status: 'succeeded',
        metadata: { tenantId, orderId },
      },
    },
  });

describe('payment-webhook-stripe core', () => {
  it('applies a signed event once; unsigned, forged, stale and replayed deliveries change nothing', async () => {
    const t = setup();
    const orderId = orderIdOf(501);
    const hook = makeStripeWebhook(t.deps, { secret, toleranceSeconds: 300 });
    const body = stripeBody(orderId);
    const sign = (payload: string, at = Math.floor(nowMs / 1000), key = secret) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret: key, timestamp: at });
    const refusals = [
      { rawBody: body, signature: undefined, code: 'webhook_signature_missing' },
      { rawBody: body, signature: sign(body, undefined, 'whsec_not_the_endpoint_secret_000'), code: 'webhook_signature_invalid' },
      { rawBody: body, signature: sign(body, Math.floor(nowMs / 1000) - 3600), code: 'webhook_timestamp_stale' },
      { rawBody: body.replace('1500', '15'), signature: sign(body), code: 'webhook_signature_invalid' },
    ];
    for (const { code, ...delivery } of refusals) {
      await expect(hook({ ...delivery, nowMs })).rejects.toMatchObject({ status: 400, code });
    }
    expect(t.rows.size).toBe(0);
    expect(await hook({ rawBody: body, signature: sign(body), nowMs })).toBe('decided');
    await expect(hook({ rawBody: body, signature: sign(body), nowMs })).rejects.toMatchObject({ status: 409, code: 'webhook_replayed' });
    expect(t.eventsOf(orderId).map((e) => e.type)).toEqual(['payment.payment.succeeded.v1']);
    expect(t.rows.get(`${tenantId}/${orderId}`)).toMatchObject({ status: 'succeeded', captured: 1500, currency: 'USD', webhookEvents: [`evt_${orderId}`] });
    const other = stripeBody(orderId, 'charge.succeeded', 'evt_charge');
    expect(await hook({ rawBody: other, signature: sign(other), nowMs })).toBe('ignored');
  });
});

describe('payment-webhook-paystack core', () => {
  it('applies a signed charge.success once; unsigned, forged and replayed deliveries change nothing', async () => {
    const t = setup();
    const orderId = orderIdOf(502);
    const hook = makePaystackWebhook(t.deps, { secret: paystackKey });
    const raw = JSON.stringify({
      event: 'charge.success',
      data: { id: 77, status: 'success', reference: orderId, amount: 90000, currency: 'NGN', metadata: { tenantId, orderId } },
    });
    const sign = (body: string, key = paystackKey) => createHmac('sha512', key).update(body).digest('hex');
    const deliver = (rawBody: string, signature: string | undefined) => hook({ rawBody, signature, body: JSON.parse(rawBody) });
    await expect(deliver(raw, undefined)).rejects.toMatchObject({ status: 400, code: 'webhook_signature_missing' });
    await expect(deliver(raw, sign(raw, 'sk_test_guess'))).rejects.toMatchObject({ status: 400, code: 'webhook_signature_invalid' });
    const tampered = raw.replace('90000', '1');
    await expect(deliver(tampered, sign(raw))).rejects.toMatchObject({ code: 'webhook_signature_invalid' });
    expect(t.rows.size).toBe(0);
    expect(await deliver(raw, sign(raw))).toBe('decided');
    await expect(deliver(raw, sign(raw))).rejects.toMatchObject({ status: 409, code: 'webhook_replayed' });
    expect(t.eventsOf(orderId).map((e) => [e.type, e.source])).toEqual([['payment.payment.succeeded.v1', 'payment-webhook-paystack']]);
    const transfer = JSON.stringify({ event: 'transfer.success', data: { id: 1 } });
    expect(await deliver(transfer, sign(transfer))).toBe('ignored');
  });
});
