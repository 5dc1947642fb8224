import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { chargeParams, intentOutcome, isStripeDecline, stripeGateway, type StripeApi } from '../../../functions/payment/stripe';
import { orderIdOf } from './support';

const orderId = orderIdOf(7);
const request = { tenantId: 't-1', orderId, buyerId: 'buyer-1', amount: 4200, currency: 'EUR', method: 'pm_card_visa', email: 'b@example.com' };
const intent = (overrides: Partial<Stripe.PaymentIntent>) =>
  ({
    id: 'pi_1',
    object: 'payment_intent',
    amount: 4200,
    amount_received: 0,
    currency: 'eur',
    status: 'requires_payment_method',
    client_secret: 'pi_1_secret_x',
    cancellation_reason: null,
    ...overrides,
  }) as Stripe.PaymentIntent;

const declined = () =>
  new Stripe.errors.StripeCardError({
    type: 'card_error',
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
    payment_intent: { id: 'pi_9' },
  } as never);

/** Records every call with its options; answers from the given functions. */
const fakeStripe = (answers: { create?: () => unknown; refund?: () => unknown; cancel?: () => unknown }) => {
  const calls: { method: string; params: unknown; options: unknown }[] = [];
  const api = {
    paymentIntents: {
      create: async (params: unknown, options: unknown) => {
        calls.push({ method: 'create', params, options });
        return answers.create!();
      },
      cancel: async (id: string, params: unknown, options: unknown) => {
        calls.push({ method: 'cancel', params: { id, ...(params as object) }, options });
        return answers.cancel!();
      },
    },
    refunds: {
      create: async (params: unknown, options: unknown) => {
        calls.push({ method: 'refund', params, options });
        return answers.refund!();
      },
    },
  } as unknown as StripeApi;
  return { api, calls };
};

describe('Stripe adapter', () => {
  it('creates and confirms one PaymentIntent per order: lower-case currency, automatic capture, metadata, idempotency key pi:<orderId>', async () => {
    const { api, calls } = fakeStripe({ create: () => intent({ status: 'succeeded', amount_received: 4200 }) });
    expect(await stripeGateway(api).charge(request)).toEqual({ kind: 'succeeded', reference: 'pi_1', amount: 4200, currency: 'EUR' });
    expect(calls).toEqual([
      {
        method: 'create',
        params: {
          amount: 4200,
          currency: 'eur',
          capture_method: 'automatic',
          description: `Order ${orderId}`,
          metadata: { tenantId: 't-1', orderId, buyerId: 'buyer-1' },
          payment_method: 'pm_card_visa',
          confirm: true,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        },
        options: { idempotencyKey: `pi:${orderId}` },
      },
    ]);
  });

  it('without a payment method the intent waits for the buyer to confirm it client-side', () => {
    const { method: _none, ...rest } = request;
    expect(chargeParams(rest)).not.toHaveProperty('confirm');
    expect(intentOutcome(intent({}))).toEqual({
      kind: 'pending',
      reference: 'pi_1',
      nextAction: { type: 'stripe_confirm', clientSecret: 'pi_1_secret_x' },
      amount: 4200,
      currency: 'EUR',
    });
    expect(intentOutcome(intent({ status: 'processing' }))).toMatchObject({ kind: 'pending', nextAction: null });
    expect(intentOutcome(intent({ status: 'canceled', cancellation_reason: 'automatic' }))).toMatchObject({ kind: 'failed', reason: 'canceled: automatic' });
    expect(intentOutcome(intent({ status: 'canceled' }))).toMatchObject({ kind: 'failed', reason: 'canceled' });
  });

  it("a card decline is Stripe's answer (failed); an outage is not and throws for a retry", async () => {
    const { api } = fakeStripe({
      create: () => {
        throw declined();
      },
    });
    expect(await stripeGateway(api).charge(request)).toEqual({
      kind: 'failed',
      reference: 'pi_9',
      reason: 'insufficient_funds',
      amount: 4200,
      currency: 'EUR',
    });
    const outage = fakeStripe({
      create: () => {
        throw new Stripe.errors.StripeConnectionError({ message: 'connection reset' } as never);
      },
    });
    await expect(stripeGateway(outage.api).charge(request)).rejects.toThrow('connection reset');
    expect(isStripeDecline(declined())).toBe(true);
    expect(isStripeDecline(new Stripe.errors.StripeAPIError({ message: '500' } as never))).toBe(false);
    expect(isStripeDecline('nope')).toBe(false);
  });

  it('refunds with the given idempotency key; failed or canceled refunds and refusals are declines', async () => {
    const call = {
      tenantId: 't-1',
      orderId,
      reference: 'pi_1',
      amount: 1000,
      currency: 'EUR',
      refundId: 'r1',
      idempotencyKey: `refund:${orderId}:r1`,
      reason: 'requested' as const,
    };
    const ok = fakeStripe({ refund: () => ({ id: 're_1', status: 'succeeded' }) });
    expect(await stripeGateway(ok.api).refund(call)).toEqual({ kind: 'succeeded', providerRefundId: 're_1' });
    expect(ok.calls[0]).toEqual({
      method: 'refund',
      params: {
        payment_intent: 'pi_1',
        amount: 1000,
        reason: 'requested_by_customer',
        metadata: { tenantId: 't-1', orderId, refundId: 'r1', reason: 'requested' },
      },
      options: { idempotencyKey: `refund:${orderId}:r1` },
    });
    expect(await stripeGateway(fakeStripe({ refund: () => ({ id: 're_2', status: 'pending' }) }).api).refund(call)).toMatchObject({ kind: 'succeeded' });
    expect(
      await stripeGateway(fakeStripe({ refund: () => ({ id: 're_3', status: 'failed', failure_reason: 'expired_or_canceled_card' }) }).api).refund(call),
    ).toEqual({
      kind: 'failed',
      reason: 'expired_or_canceled_card',
    });
    expect(await stripeGateway(fakeStripe({ refund: () => ({ id: 're_4', status: 'canceled', failure_reason: null }) }).api).refund(call)).toEqual({
      kind: 'failed',
      reason: 'canceled',
    });
    const refused = fakeStripe({
      refund: () => {
        throw new Stripe.errors.StripeInvalidRequestError({ code: 'charge_already_refunded', message: 'already refunded' } as never);
      },
    });
    expect(await stripeGateway(refused.api).refund(call)).toEqual({ kind: 'failed', reason: 'charge_already_refunded' });
    const down = fakeStripe({
      refund: () => {
        throw new Stripe.errors.StripeAPIError({ message: 'stripe is down' } as never);
      },
    });
    await expect(stripeGateway(down.api).refund(call)).rejects.toThrow('stripe is down');
  });

  it('cancels an open intent once per order; a refusal (already decided) is false', async () => {
    const ok = fakeStripe({ cancel: () => intent({ status: 'canceled' }) });
    expect(await stripeGateway(ok.api).cancel({ orderId, reference: 'pi_1' })).toBe(true);
    expect(ok.calls[0]).toEqual({
      method: 'cancel',
      params: { id: 'pi_1', cancellation_reason: 'abandoned' },
      options: { idempotencyKey: `pi-cancel:${orderId}` },
    });
    const decided = fakeStripe({
      cancel: () => {
        throw new Stripe.errors.StripeInvalidRequestError({ code: 'payment_intent_unexpected_state', message: 'succeeded' } as never);
      },
    });
    expect(await stripeGateway(decided.api).cancel({ orderId, reference: 'pi_1' })).toBe(false);
    const down = fakeStripe({
      cancel: () => {
        throw new Stripe.errors.StripeRateLimitError({ message: 'slow down' } as never);
      },
    });
    await expect(stripeGateway(down.api).cancel({ orderId, reference: 'pi_1' })).rejects.toThrow('slow down');
  });
});
