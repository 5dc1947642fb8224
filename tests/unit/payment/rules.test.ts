import { describe, expect, it } from 'vitest';
import {
  applyOutcome,
  cancelPayment,
  cancelRefundId,
  committedRefunds,
  idempotencyKeys,
  openPayment,
  refundable,
  requestRefund,
  settleRefund,
  WebhookReplayedError,
  type Outcome,
  type OutcomeContext,
  type PaymentRecord,
} from '../../../functions/payment/rules';
import { dataOf, fixedNow, orderIdOf } from './support';

const tenantId = 't-rules';
const orderId = orderIdOf(1);
const now = fixedNow();
const terms = {
  tenantId,
  orderId,
  buyerId: 'buyer-1',
  provider: 'stripe' as const,
  amount: 5000,
  currency: 'EUR',
  email: 'b@example.com',
  correlationId: 'corr-1',
};
const ctx = (extra: Partial<OutcomeContext> = {}): OutcomeContext => ({ tenantId, orderId, provider: 'stripe', now, events: { source: 'test' }, ...extra });
const success: Outcome = { kind: 'succeeded', reference: 'pi_1', amount: 5000, currency: 'EUR' };
const declined: Outcome = { kind: 'failed', reference: 'pi_1', reason: 'card_declined', amount: 5000, currency: 'EUR' };
const pending: Outcome = {
  kind: 'pending',
  reference: 'pi_1',
  nextAction: { type: 'stripe_confirm', clientSecret: 'pi_1_secret' },
  amount: 5000,
  currency: 'EUR',
};

const opened = (): PaymentRecord => openPayment(undefined, terms, now).next!;
const succeeded = (): PaymentRecord => applyOutcome(opened(), success, ctx()).next!;

describe('openPayment', () => {
  it('creates a pending payment to charge', () => {
    const t = openPayment(undefined, terms, now);
    expect(t.result.charge).toBe(true);
    expect(t.events).toEqual([]);
    expect(t.next).toMatchObject({
      id: orderId,
      tenantId,
      buyerId: 'buyer-1',
      status: 'pending',
      captured: 0,
      refunded: 0,
      version: 1,
      correlationId: 'corr-1',
    });
  });

  it('charges a pending payment again (a retried step) without writing', () => {
    const t = openPayment(opened(), terms, now);
    expect(t).toMatchObject({ result: { charge: true } });
    expect(t.next).toBeUndefined();
  });

  it('never charges a decided or cancelled payment, but fills in the buyer a webhook did not know', () => {
    const fromWebhook = applyOutcome(undefined, success, ctx({ webhookEventId: 'evt_1' })).next!;
    expect(fromWebhook).toMatchObject({ buyerId: null, email: null });
    const t = openPayment(fromWebhook, terms, now);
    expect(t.result.charge).toBe(false);
    expect(t.next).toMatchObject({
      buyerId: 'buyer-1',
      email: 'b@example.com',
      correlationId: 'corr-1',
      status: 'succeeded',
      version: fromWebhook.version + 1,
    });
    expect(openPayment(t.next, terms, now)).toEqual({ events: [], result: { charge: false, record: t.next } });
    const cancelled = cancelPayment(undefined, { ...terms }, now).next!;
    const again = openPayment(cancelled, terms, now);
    expect(again.result.charge).toBe(false);
    expect(again.next?.provider).toBe('stripe');
  });
});

describe('applyOutcome: the first final outcome decides, once', () => {
  it('pending → succeeded emits payment.payment.succeeded with the captured amount', () => {
    const t = applyOutcome(opened(), success, ctx({ events: { source: 'payment-on-inventory-reserved', correlationId: 'corr-9', causationId: 'evt-9' } }));
    expect(t.result.applied).toBe('decided');
    expect(t.next).toMatchObject({ status: 'succeeded', captured: 5000, providerReference: 'pi_1', version: 2 });
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ type: 'payment.payment.succeeded.v1', subject: orderId, tenantId, correlationId: 'corr-9', causationId: 'evt-9' });
    expect(dataOf(t.events[0]!)).toEqual({ orderId, paymentId: orderId, provider: 'stripe', amount: 5000, currency: 'EUR', providerReference: 'pi_1' });
  });

  it('events caused by a webhook join the saga by the stored correlation id', () => {
    const t = applyOutcome(opened(), success, ctx({ webhookEventId: 'evt_2' }));
    expect(t.events[0]!.correlationId).toBe('corr-1');
    expect(t.next!.webhookEvents).toEqual(['evt_2']);
  });

  it('pending → failed emits payment.payment.failed with the reason', () => {
    const t = applyOutcome(opened(), declined, ctx());
    expect(t.next).toMatchObject({ status: 'failed', failureReason: 'card_declined', captured: 0 });
    expect(t.events.map((e) => e.type)).toEqual(['payment.payment.failed.v1']);
    expect(dataOf(t.events[0]!)).toMatchObject({ reason: 'card_declined' });
  });

  it('a pending answer records the reference and what the buyer must do, and emits nothing', () => {
    const t = applyOutcome(opened(), pending, ctx());
    expect(t.result.applied).toBe('recorded');
    expect(t.events).toEqual([]);
    expect(t.next).toMatchObject({ status: 'pending', providerReference: 'pi_1', nextAction: { type: 'stripe_confirm' } });
    const verified = applyOutcome(t.next, { kind: 'pending', reference: null, nextAction: null, amount: 5000, currency: 'EUR' }, ctx());
    expect(verified.next).toMatchObject({ providerReference: 'pi_1', nextAction: { type: 'stripe_confirm' } });
  });

  it('a later outcome of a decided payment changes nothing and emits nothing', () => {
    for (const outcome of [success, declined, pending]) {
      const t = applyOutcome(succeeded(), outcome, ctx());
      expect(t).toMatchObject({ events: [], result: { applied: 'unchanged' } });
      expect(t.next).toBeUndefined();
    }
  });

  it('a webhook on a decided payment only records its id, and the same id again is a replay', () => {
    const t = applyOutcome(succeeded(), success, ctx({ webhookEventId: 'evt_3' }));
    expect(t.events).toEqual([]);
    expect(t.next!.webhookEvents).toEqual(['evt_3']);
    expect(() => applyOutcome(t.next, success, ctx({ webhookEventId: 'evt_3' }))).toThrow(WebhookReplayedError);
  });

  it('a webhook before the saga step creates the decided payment from the provider', () => {
    const t = applyOutcome(undefined, success, ctx({ webhookEventId: 'evt_4', buyerId: 'buyer-7' }));
    expect(t.next).toMatchObject({ status: 'succeeded', captured: 5000, amount: 5000, currency: 'EUR', buyerId: 'buyer-7', provider: 'stripe', version: 1 });
    expect(t.events.map((e) => e.type)).toEqual(['payment.payment.succeeded.v1']);
    const failed = applyOutcome(undefined, declined, ctx({ webhookEventId: 'evt_5' }));
    expect(failed.next).toMatchObject({ status: 'failed', buyerId: null });
  });

  it('money taken from a cancelled order is refunded at once and never announced as a success', () => {
    const cancelled = cancelPayment(applyOutcome(opened(), pending, ctx()).next, terms, now).next!;
    const t = applyOutcome(cancelled, success, ctx({ webhookEventId: 'evt_6' }));
    expect(t.result.applied).toBe('refund');
    expect(t.events).toEqual([]);
    expect(t.next).toMatchObject({ status: 'cancelled', captured: 5000, providerReference: 'pi_1' });
    expect(t.result.refund).toMatchObject({ id: cancelRefundId(orderId), amount: 5000, reason: 'order_cancelled', status: 'pending' });
    // The same money reported again reserves nothing more.
    const again = applyOutcome(t.next, success, ctx({ webhookEventId: 'evt_7' }));
    expect(again.result).toMatchObject({ applied: 'unchanged' });
    expect(again.next!.refunds).toHaveLength(1);
  });

  it('money taken after a failure (the order was cancelled for it) is refunded too', () => {
    const failed = applyOutcome(opened(), declined, ctx()).next!;
    const t = applyOutcome(failed, success, ctx({ webhookEventId: 'evt_8' }));
    expect(t.result.applied).toBe('refund');
    expect(t.next).toMatchObject({ status: 'failed', captured: 5000 });
    expect(t.events).toEqual([]);
  });

  it('keeps the intent reference of a payment cancelled while the provider was being called', () => {
    const cancelled = cancelPayment(opened(), terms, now).next!;
    expect(cancelled.providerReference).toBeNull();
    const t = applyOutcome(cancelled, pending, ctx());
    expect(t.result.applied).toBe('recorded');
    expect(t.next).toMatchObject({ status: 'cancelled', providerReference: 'pi_1' });
  });
});

describe('cancelPayment', () => {
  it('records a payment never started as cancelled, so a late step charges nothing', () => {
    const t = cancelPayment(undefined, terms, now);
    expect(t.next).toMatchObject({ status: 'cancelled', provider: null, orderCancelled: true, amount: 5000, buyerId: 'buyer-1' });
    expect(t.result).toEqual({ record: t.next });
  });

  it('cancels an undecided payment and its provider intent', () => {
    const t = cancelPayment(applyOutcome(opened(), pending, ctx()).next, terms, now);
    expect(t.next).toMatchObject({ status: 'cancelled', orderCancelled: true, nextAction: null });
    expect(t.result.cancelIntent).toEqual({ provider: 'stripe', reference: 'pi_1' });
    expect(t.events).toEqual([]);
  });

  it('reserves a refund of all that is left of a captured payment, once', () => {
    const paid = succeeded();
    const partly = requestRefund(paid, { orderId, amount: 1200, note: 'scratch', requestKey: 'k1', refundId: 'r1', now }).next!;
    const settled = settleRefund(partly, 'r1', { kind: 'succeeded', providerRefundId: 're_1' }, now, { source: 'test' }).next!;
    const t = cancelPayment(settled, terms, now);
    expect(t.result.refund).toMatchObject({ id: cancelRefundId(orderId), amount: 3800, reason: 'order_cancelled', status: 'pending' });
    expect(t.next).toMatchObject({ status: 'succeeded', orderCancelled: true });
    // Redelivered while the refund is pending: the same refund is resumed, nothing new is written.
    const again = cancelPayment(t.next, terms, now);
    expect(again.next).toBeUndefined();
    expect(again.result.refund).toEqual(t.result.refund);
    // Once settled, a third delivery has nothing to do.
    const done = settleRefund(t.next, cancelRefundId(orderId), { kind: 'succeeded', providerRefundId: 're_2' }, now, { source: 'test' }).next!;
    expect(cancelPayment(done, terms, now)).toEqual({ events: [], result: { record: done } });
  });

  it('only marks a failed payment as belonging to a cancelled order', () => {
    const failed = applyOutcome(opened(), declined, ctx()).next!;
    const t = cancelPayment(failed, terms, now);
    expect(t.next).toMatchObject({ status: 'failed', orderCancelled: true });
    expect(t.result.refund).toBeUndefined();
    expect(cancelPayment(t.next, terms, now).next).toBeUndefined();
  });
});

describe('refunds', () => {
  it('refuses an unknown payment and one that captured nothing', () => {
    expect(() => requestRefund(undefined, { orderId, note: 'x', requestKey: 'k', refundId: 'r', now })).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => requestRefund(opened(), { orderId, note: 'x', requestKey: 'k', refundId: 'r', now })).toThrow(
      expect.objectContaining({ status: 409, code: 'payment_not_captured' }),
    );
  });

  it('reserves a partial refund, then all that is left, then refuses more (422 refund_exceeds_captured)', () => {
    const first = requestRefund(succeeded(), { orderId, amount: 2000, note: 'damaged', requestKey: 'k1', refundId: 'r1', now });
    expect(first.result).toMatchObject({ resume: true, refund: { id: 'r1', amount: 2000, status: 'pending', reason: 'requested', note: 'damaged' } });
    // A pending refund already counts against what is left.
    expect(refundable(first.next!)).toBe(3000);
    expect(committedRefunds(first.next!)).toBe(2000);
    const rest = requestRefund(first.next, { orderId, note: 'all of it', requestKey: 'k2', refundId: 'r2', now });
    expect(rest.result.refund.amount).toBe(3000);
    let thrown: unknown;
    try {
      requestRefund(rest.next, { orderId, amount: 1, note: 'one more', requestKey: 'k3', refundId: 'r3', now });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ status: 422, code: 'refund_exceeds_captured', extras: { captured: 5000, refunded: 5000, refundable: 0, requested: 1 } });
    expect(() => requestRefund(rest.next, { orderId, note: 'nothing left', requestKey: 'k4', refundId: 'r4', now })).toThrow(
      expect.objectContaining({ code: 'refund_exceeds_captured' }),
    );
  });

  it('refuses more than captured in one go', () => {
    expect(() => requestRefund(succeeded(), { orderId, amount: 5001, note: 'x', requestKey: 'k', refundId: 'r', now })).toThrow(
      expect.objectContaining({ status: 422, code: 'refund_exceeds_captured' }),
    );
  });

  it('the same request key returns its refund instead of reserving another', () => {
    const first = requestRefund(succeeded(), { orderId, amount: 1000, note: 'x', requestKey: 'k1', refundId: 'r1', now });
    const retry = requestRefund(first.next, { orderId, amount: 1000, note: 'x', requestKey: 'k1', refundId: 'r9', now });
    expect(retry.next).toBeUndefined();
    expect(retry.result).toMatchObject({ resume: true, refund: { id: 'r1' } });
    const settled = settleRefund(first.next, 'r1', { kind: 'succeeded', providerRefundId: 're_1' }, now, { source: 'test' }).next!;
    expect(requestRefund(settled, { orderId, amount: 1000, note: 'x', requestKey: 'k1', refundId: 'r9', now }).result).toMatchObject({
      resume: false,
      refund: { id: 'r1', status: 'succeeded' },
    });
  });

  it('a settled refund is counted and announced once; a declined one is released', () => {
    const reserved = requestRefund(succeeded(), { orderId, amount: 1500, note: 'x', requestKey: 'k1', refundId: 'r1', now }).next!;
    const t = settleRefund(reserved, 'r1', { kind: 'succeeded', providerRefundId: 're_1' }, now, { source: 'payment-refund' });
    expect(t.next).toMatchObject({ refunded: 1500, refunds: [{ id: 'r1', status: 'succeeded', providerRefundId: 're_1' }] });
    expect(t.events.map((e) => e.type)).toEqual(['payment.payment.refunded.v1']);
    expect(dataOf(t.events[0]!)).toEqual({
      orderId,
      paymentId: orderId,
      provider: 'stripe',
      amount: 5000,
      currency: 'EUR',
      refundId: 'r1',
      refunded: 1500,
      refundedTotal: 1500,
      reason: 'requested',
    });
    const replayed = settleRefund(t.next, 'r1', { kind: 'succeeded', providerRefundId: 're_1' }, now, { source: 'x' });
    expect(replayed.events).toEqual([]);
    expect(replayed.next).toBeUndefined();

    const other = requestRefund(t.next, { orderId, amount: 3500, note: 'x', requestKey: 'k2', refundId: 'r2', now }).next!;
    const declinedRefund = settleRefund(other, 'r2', { kind: 'failed', reason: 'charge_disputed' }, now, { source: 'x' });
    expect(declinedRefund.events).toEqual([]);
    expect(declinedRefund.next).toMatchObject({ refunded: 1500 });
    expect(declinedRefund.result.refund).toMatchObject({ status: 'failed', failureReason: 'charge_disputed' });
    expect(refundable(declinedRefund.next!)).toBe(3500);
    expect(() => settleRefund(declinedRefund.next, 'nope', { kind: 'failed', reason: 'x' }, now, { source: 'x' })).toThrow(/no refund nope/);
  });

  it('derives provider idempotency keys from the order', () => {
    expect(idempotencyKeys.charge(orderId)).toBe(`pi:${orderId}`);
    expect(idempotencyKeys.cancelIntent(orderId)).toBe(`pi-cancel:${orderId}`);
    expect(idempotencyKeys.refund(orderId, cancelRefundId(orderId))).toBe(`refund:${orderId}:cancel`);
    expect(idempotencyKeys.refund(orderId, 'r1')).toBe(`refund:${orderId}:r1`);
  });
});
