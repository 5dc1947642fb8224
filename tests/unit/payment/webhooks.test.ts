import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { paystackDecision, stripeDecision, verifyPaystackSignature, verifyStripeEvent } from '../../../functions/payment/webhooks';
import { orderIdOf } from './support';

const secret = 'whsec_0123456789abcdef0123456789abcdef';
const orderId = orderIdOf(42);
const intent = (overrides: Record<string, unknown> = {}) => ({
  id: 'pi_123',
  object: 'payment_intent',
  amount: 2599,
  amount_received: 2599,
  currency: 'gbp',
  status: 'succeeded',
  metadata: { tenantId: 't-1', orderId, buyerId: 'buyer-1' },
  last_payment_error: null,
  cancellation_reason: null,
  ...overrides,
});
const event = (type: string, object: unknown, id = 'evt_1') => JSON.stringify({ id, object: 'event', type, data: { object } });

const nowMs = Date.parse('2026-03-01T12:00:00Z');
const signed = (payload: string, timestamp = Math.floor(nowMs / 1000)) => Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
const verify = (rawBody: string | undefined, signature: string | undefined, at = nowMs) =>
  verifyStripeEvent(Stripe.webhooks, { rawBody, signature, secret, toleranceSeconds: 300, nowMs: at });

describe('Stripe webhook verification', () => {
  it('accepts a body signed as Stripe signs it (t=…,v1=HMAC-SHA256 over "t.payload")', () => {
    const payload = event('payment_intent.succeeded', intent());
    expect(verify(payload, signed(payload)).id).toBe('evt_1');
    // Computed by hand, not by the library: the scheme itself.
    const t = Math.floor(nowMs / 1000);
    const v1 = createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
    expect(verify(payload, `t=${t},v1=${v1}`).type).toBe('payment_intent.succeeded');
  });

  it('refuses unsigned, wrongly signed, tampered and stale deliveries with distinct codes', () => {
    const payload = event('payment_intent.succeeded', intent());
    expect(() => verify(payload, undefined)).toThrow(expect.objectContaining({ status: 400, code: 'webhook_signature_missing' }));
    expect(() => verify(undefined, signed(payload))).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
    expect(() => verify(payload, 'garbage')).toThrow(expect.objectContaining({ status: 400, code: 'webhook_signature_invalid' }));
    const other = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_another_secret_entirely_0000', timestamp: nowMs / 1000 });
    expect(() => verify(payload, other)).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
    expect(() => verify(payload.replace('2599', '1'), signed(payload))).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
    const old = signed(payload, Math.floor(nowMs / 1000) - 301);
    expect(() => verify(payload, old)).toThrow(expect.objectContaining({ status: 400, code: 'webhook_timestamp_stale' }));
    expect(verify(payload, signed(payload, Math.floor(nowMs / 1000) - 299)).id).toBe('evt_1');
  });
});

describe('Stripe events', () => {
  const decide = (type: string, object: unknown) => stripeDecision(JSON.parse(event(type, object)) as Stripe.Event);

  it('a succeeded intent decides the order named in its metadata', () => {
    expect(decide('payment_intent.succeeded', intent())).toEqual({
      kind: 'apply',
      provider: 'stripe',
      tenantId: 't-1',
      orderId,
      buyerId: 'buyer-1',
      eventId: 'evt_1',
      outcome: { kind: 'succeeded', reference: 'pi_123', amount: 2599, currency: 'GBP' },
    });
    expect(decide('payment_intent.succeeded', intent({ amount_received: 0 }))).toMatchObject({ outcome: { amount: 2599 } });
  });

  it('a failed or canceled intent fails it, with the decline reason', () => {
    expect(
      decide(
        'payment_intent.payment_failed',
        intent({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' } }),
      ),
    ).toMatchObject({
      outcome: { kind: 'failed', reason: 'insufficient_funds', reference: 'pi_123' },
    });
    expect(decide('payment_intent.payment_failed', intent({ last_payment_error: { message: 'Your card was declined.' } }))).toMatchObject({
      outcome: { reason: 'Your card was declined.' },
    });
    expect(decide('payment_intent.payment_failed', intent())).toMatchObject({ outcome: { reason: 'payment_failed' } });
    expect(decide('payment_intent.canceled', intent({ status: 'canceled', cancellation_reason: 'abandoned' }))).toMatchObject({
      outcome: { kind: 'failed', reason: 'canceled: abandoned' },
    });
    expect(decide('payment_intent.canceled', intent({ status: 'canceled' }))).toMatchObject({ outcome: { reason: 'canceled' } });
  });

  it('ignores other events and intents that are not ours', () => {
    expect(decide('charge.refunded', { id: 'ch_1' })).toEqual({ kind: 'ignore', reason: 'charge.refunded is not handled' });
    expect(decide('payment_intent.succeeded', intent({ metadata: {} }))).toMatchObject({ kind: 'ignore' });
    expect(decide('payment_intent.succeeded', intent({ metadata: { tenantId: 't-1', orderId: 'not-an-order' } }))).toMatchObject({ kind: 'ignore' });
  });
});

describe('Paystack webhooks', () => {
  const key = 'sk_test_' + 'a'.repeat(40);
  const body = (overrides: Record<string, unknown> = {}, event = 'charge.success') =>
    JSON.stringify({
      event,
      data: {
        id: 4099260516,
        status: 'success',
        reference: orderId,
        amount: 500000,
        currency: 'NGN',
        metadata: { tenantId: 't-2', orderId, buyerId: 'b-2' },
        ...overrides,
      },
    });
  const sign = (raw: string, with_ = key) => createHmac('sha512', with_).update(raw).digest('hex');

  it('verifies x-paystack-signature: hex HMAC-SHA512 of the raw body with the secret key', () => {
    const raw = body();
    expect(() => verifyPaystackSignature({ rawBody: raw, signature: sign(raw), secret: key })).not.toThrow();
    expect(() => verifyPaystackSignature({ rawBody: raw, signature: sign(raw).toUpperCase(), secret: key })).not.toThrow();
    expect(() => verifyPaystackSignature({ rawBody: raw, signature: undefined, secret: key })).toThrow(
      expect.objectContaining({ code: 'webhook_signature_missing' }),
    );
    expect(() => verifyPaystackSignature({ rawBody: undefined, signature: sign(raw), secret: key })).toThrow(
      expect.objectContaining({ code: 'webhook_signature_invalid' }),
    );
    for (const bad of [sign(raw, 'sk_test_other'), sign(`${raw} `), 'zz', sign(raw).slice(2)]) {
      expect(() => verifyPaystackSignature({ rawBody: raw, signature: bad, secret: key })).toThrow(
        expect.objectContaining({ status: 400, code: 'webhook_signature_invalid' }),
      );
    }
  });

  it('charge.success decides the order whose id is the reference; the event id is the event and transaction id', () => {
    expect(paystackDecision(JSON.parse(body()))).toEqual({
      kind: 'apply',
      provider: 'paystack',
      tenantId: 't-2',
      orderId,
      buyerId: 'b-2',
      eventId: 'charge.success:4099260516',
      outcome: { kind: 'succeeded', reference: orderId, amount: 500000, currency: 'NGN' },
    });
    // Metadata handed back as the JSON string it was given.
    expect(paystackDecision(JSON.parse(body({ metadata: JSON.stringify({ tenantId: 't-2', orderId }) })))).toMatchObject({ kind: 'apply', buyerId: null });
  });

  it('ignores other events, failures, foreign references and malformed payloads', () => {
    expect(paystackDecision(JSON.parse(body({}, 'transfer.success')))).toMatchObject({ kind: 'ignore' });
    expect(paystackDecision(JSON.parse(body({ status: 'failed' })))).toMatchObject({ kind: 'ignore' });
    expect(paystackDecision(JSON.parse(body({ reference: 'someone-else' })))).toMatchObject({ kind: 'ignore', reason: 'not a payment of this marketplace' });
    expect(paystackDecision(JSON.parse(body({ metadata: 'not json' })))).toMatchObject({ kind: 'ignore' });
    expect(paystackDecision(JSON.parse(body({ metadata: undefined })))).toMatchObject({ kind: 'ignore' });
    expect(paystackDecision({ event: 'charge.success' })).toEqual({ kind: 'ignore', reason: 'not a transaction event' });
  });
});
