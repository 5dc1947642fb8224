import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { ConsumedEvent } from '../../../layers/events/consumer';
import { ServiceUnavailableError } from '../../../layers/errors';
import { reservationReserved } from '../../../functions/inventory/events';
import { orderCancelled } from '../../../functions/orders/events';
import { makeGetPayment } from '../../../functions/payment/get';
import { makeAuthorizePayment } from '../../../functions/payment/on-inventory-reserved';
import { makeCancelPayment } from '../../../functions/payment/on-order-cancelled';
import { makeRefundPayment } from '../../../functions/payment/refund';
import { cancelRefundId, type Outcome } from '../../../functions/payment/rules';
import { makeApplyWebhook } from '../../../functions/payment/steps';
import type { WebhookDecision } from '../../../functions/payment/webhooks';
import { dataOf, fakeGateway, memoryPaymentStore, orderIdOf, testDeps } from './support';

const tenantId = 't-cores';
let n = 100;

const reserved = (orderId: string, checkout: Partial<z.infer<typeof reservationReserved.schema>['checkout']> = {}) =>
  ({
    id: `evt-reserved-${orderId}`,
    type: reservationReserved.type,
    source: 'inventory-on-order-created',
    subject: orderId,
    time: new Date().toISOString(),
    tenantId,
    correlationId: `corr-${orderId}`,
    data: {
      orderId,
      buyerId: 'buyer-1',
      lines: [{ productId: 'p1', sku: 'S1', quantity: 1 }],
      expiresAt: new Date().toISOString(),
      checkout: { provider: 'stripe', method: 'pm_card_visa', email: 'buyer@example.com', total: 3000, currency: 'USD', ...checkout },
    },
  }) as ConsumedEvent<z.infer<typeof reservationReserved.schema>>;

const cancelled = (orderId: string, from: 'reserved' | 'confirmed' = 'confirmed') =>
  ({
    id: `evt-cancelled-${orderId}`,
    type: orderCancelled.type,
    source: 'orders-cancel',
    subject: orderId,
    time: new Date().toISOString(),
    tenantId,
    correlationId: `corr-${orderId}`,
    data: {
      orderId,
      buyerId: 'buyer-1',
      storeId: null,
      lines: [{ productId: 'p1', sku: 'S1', name: 'Thing', quantity: 1, unitPrice: 3000, lineTotal: 3000 }],
      currency: 'USD',
      total: 3000,
      email: 'buyer@example.com',
      version: 3,
      reason: 'buyer_cancelled',
      from,
    },
  }) as ConsumedEvent<z.infer<typeof orderCancelled.schema>>;

const webhook = (orderId: string, outcome: Outcome, eventId = `evt_${orderId}`): WebhookDecision => ({
  kind: 'apply',
  provider: 'stripe',
  tenantId,
  orderId,
  buyerId: 'buyer-1',
  eventId,
  outcome,
});
const paid = (reference = 'pi_x'): Outcome => ({ kind: 'succeeded', reference, amount: 3000, currency: 'USD' });

const setup = (script: Parameters<typeof fakeGateway>[1] = {}) => {
  const memory = memoryPaymentStore();
  const stripe = fakeGateway('stripe', script);
  const paystack = fakeGateway('paystack');
  const deps = testDeps(memory.store, { stripe, paystack });
  return { ...memory, stripe, paystack, deps, orderId: orderIdOf((n += 1)) };
};

describe('payment-on-inventory-reserved', () => {
  it('a final answer decides at once: payment.payment.succeeded, caused by the reservation', async () => {
    const t = setup({ charge: (r) => ({ kind: 'succeeded', reference: 'pi_ok', amount: r.amount, currency: r.currency }) });
    expect(await makeAuthorizePayment(t.deps)(reserved(t.orderId))).toEqual({ charged: true, status: 'succeeded' });
    expect(t.stripe.charges).toEqual([
      { tenantId, orderId: t.orderId, buyerId: 'buyer-1', amount: 3000, currency: 'USD', email: 'buyer@example.com', method: 'pm_card_visa' },
    ]);
    const [event] = t.eventsOf(t.orderId);
    expect(event).toMatchObject({
      type: 'payment.payment.succeeded.v1',
      source: 'payment-on-inventory-reserved',
      causationId: `evt-reserved-${t.orderId}`,
      correlationId: `corr-${t.orderId}`,
    });
    // Redelivered: decided, so nothing is charged and nothing emitted again.
    expect(await makeAuthorizePayment(t.deps)(reserved(t.orderId))).toEqual({ charged: false, status: 'succeeded' });
    expect(t.stripe.charges).toHaveLength(1);
    expect(t.eventsOf(t.orderId)).toHaveLength(1);
  });

  it('a decline fails the payment once', async () => {
    const t = setup({ charge: (r) => ({ kind: 'failed', reference: null, reason: 'card_declined', amount: r.amount, currency: r.currency }) });
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    expect(t.eventsOf(t.orderId).map((e) => [e.type, dataOf(e).reason])).toEqual([['payment.payment.failed.v1', 'card_declined']]);
  });

  it('a pending answer waits for the webhook; the webhook then decides once, however often it comes', async () => {
    const t = setup();
    expect(await makeAuthorizePayment(t.deps)(reserved(t.orderId))).toEqual({ charged: true, status: 'pending' });
    expect(t.outbox).toEqual([]);
    const apply = makeApplyWebhook(t.deps, 'payment-webhook-stripe');
    expect(await apply(webhook(t.orderId, paid()))).toBe('decided');
    await expect(apply(webhook(t.orderId, paid()))).rejects.toMatchObject({ status: 409, code: 'webhook_replayed' });
    expect(await apply(webhook(t.orderId, paid(), 'evt_other'))).toBe('unchanged');
    // The step retried after the webhook: still nothing new.
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    expect(t.eventsOf(t.orderId).map((e) => e.source)).toEqual(['payment-webhook-stripe']);
    expect(t.stripe.charges).toHaveLength(1);
  });

  it('a webhook before the step: the step charges nothing and emits nothing', async () => {
    const t = setup();
    await makeApplyWebhook(t.deps, 'payment-webhook-stripe')(webhook(t.orderId, paid()));
    expect(await makeAuthorizePayment(t.deps)(reserved(t.orderId))).toEqual({ charged: false, status: 'succeeded' });
    expect(t.stripe.charges).toEqual([]);
    expect(t.eventsOf(t.orderId)).toHaveLength(1);
    expect(t.rows.get(`${tenantId}/${t.orderId}`)).toMatchObject({ buyerId: 'buyer-1', email: 'buyer@example.com' });
  });

  it('the step and the webhook racing: exactly one event', async () => {
    const t = setup({ charge: (r) => ({ kind: 'succeeded', reference: 'pi_race', amount: r.amount, currency: r.currency }) });
    await Promise.all([
      makeAuthorizePayment(t.deps)(reserved(t.orderId)),
      makeApplyWebhook(t.deps, 'payment-webhook-stripe')(webhook(t.orderId, paid('pi_race'))),
    ]);
    expect(t.eventsOf(t.orderId, 'payment.payment.succeeded.v1')).toHaveLength(1);
  });

  it('an outage throws for a retry, leaving the payment pending; the retry charges with the same order', async () => {
    let down = true;
    const t = setup({
      charge: (r) => {
        if (down) throw new ServiceUnavailableError('stripe down');
        return { kind: 'succeeded', reference: 'pi_later', amount: r.amount, currency: r.currency };
      },
    });
    await expect(makeAuthorizePayment(t.deps)(reserved(t.orderId))).rejects.toThrow('stripe down');
    expect(t.rows.get(`${tenantId}/${t.orderId}`)).toMatchObject({ status: 'pending' });
    down = false;
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    expect(t.stripe.charges.map((c) => c.orderId)).toEqual([t.orderId, t.orderId]);
    expect(t.eventsOf(t.orderId)).toHaveLength(1);
  });

  it('a zero total succeeds without a provider; Paystack goes to the Paystack adapter without a method', async () => {
    const t = setup();
    await makeAuthorizePayment(t.deps)(reserved(t.orderId, { total: 0 }));
    expect(t.stripe.charges).toEqual([]);
    expect(dataOf(t.eventsOf(t.orderId)[0]!)).toMatchObject({ amount: 0, providerReference: `free:${t.orderId}` });
    const other = orderIdOf((n += 1));
    await makeAuthorizePayment(t.deps)(reserved(other, { provider: 'paystack', method: undefined, currency: 'NGN' }));
    expect(t.paystack.charges[0]).not.toHaveProperty('method');
    expect(t.paystack.charges[0]).toMatchObject({ orderId: other, currency: 'NGN' });
  });

  it('an order cancelled while the provider was called: its intent is cancelled; money taken goes back', async () => {
    const t = setup();
    let cancelFirst: () => Promise<unknown> = async () => undefined;
    t.stripe.charge = async (r) => {
      await cancelFirst();
      return { kind: 'pending', reference: 'pi_open', nextAction: null, amount: r.amount, currency: r.currency };
    };
    cancelFirst = () => makeCancelPayment(t.deps)(cancelled(t.orderId, 'reserved'));
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    expect(t.stripe.cancels).toEqual([{ orderId: t.orderId, reference: 'pi_open' }]);
    expect(t.rows.get(`${tenantId}/${t.orderId}`)).toMatchObject({ status: 'cancelled', providerReference: 'pi_open' });

    const u = setup();
    u.stripe.charge = async (r) => {
      await makeCancelPayment(u.deps)(cancelled(u.orderId, 'reserved'));
      return { kind: 'succeeded', reference: 'pi_taken', amount: r.amount, currency: r.currency };
    };
    await makeAuthorizePayment(u.deps)(reserved(u.orderId));
    expect(u.eventsOf(u.orderId).map((e) => e.type)).toEqual(['payment.payment.refunded.v1']);
    expect(u.stripe.refunds).toMatchObject([{ reference: 'pi_taken', amount: 3000, idempotencyKey: `refund:${u.orderId}:cancel` }]);
  });
});

describe('payment-on-order-cancelled', () => {
  it('refunds a paid order once (refund:<orderId>:cancel), however often the cancellation arrives', async () => {
    const t = setup({ charge: (r) => ({ kind: 'succeeded', reference: 'pi_paid', amount: r.amount, currency: r.currency }) });
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    const { refund } = await makeCancelPayment(t.deps)(cancelled(t.orderId));
    expect(refund).toMatchObject({ id: cancelRefundId(t.orderId), status: 'succeeded', amount: 3000 });
    await makeCancelPayment(t.deps)(cancelled(t.orderId));
    expect(t.stripe.refunds).toHaveLength(1);
    expect(t.stripe.refunds[0]).toMatchObject({ idempotencyKey: `refund:${t.orderId}:cancel`, reason: 'order_cancelled' });
    const refunded = t.eventsOf(t.orderId, 'payment.payment.refunded.v1');
    expect(refunded).toHaveLength(1);
    expect(refunded[0]).toMatchObject({ source: 'payment-on-order-cancelled', causationId: `evt-cancelled-${t.orderId}` });
    expect(dataOf(refunded[0]!)).toMatchObject({ refunded: 3000, refundedTotal: 3000, reason: 'order_cancelled' });
  });

  it('a refund the provider could not take now is resumed by the redelivery, with the same key', async () => {
    let down = true;
    const t = setup({
      charge: (r) => ({ kind: 'succeeded', reference: 'pi_paid', amount: r.amount, currency: r.currency }),
      refund: () => {
        if (down) throw new ServiceUnavailableError('stripe down');
        return { kind: 'succeeded', providerRefundId: 're_late' };
      },
    });
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    await expect(makeCancelPayment(t.deps)(cancelled(t.orderId))).rejects.toThrow('stripe down');
    expect(t.eventsOf(t.orderId, 'payment.payment.refunded.v1')).toEqual([]);
    down = false;
    await makeCancelPayment(t.deps)(cancelled(t.orderId));
    expect(t.stripe.refunds.map((r) => r.idempotencyKey)).toEqual([`refund:${t.orderId}:cancel`, `refund:${t.orderId}:cancel`]);
    expect(t.eventsOf(t.orderId, 'payment.payment.refunded.v1')).toHaveLength(1);
  });

  it('cancels a pending payment; a late success webhook refunds it and never emits a success', async () => {
    const t = setup();
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    await makeCancelPayment(t.deps)(cancelled(t.orderId, 'reserved'));
    expect(t.stripe.cancels).toHaveLength(1);
    expect(await makeApplyWebhook(t.deps, 'payment-webhook-stripe')(webhook(t.orderId, paid(`pi_${t.orderId.slice(-6)}`)))).toBe('refund');
    expect(t.eventsOf(t.orderId).map((e) => e.type)).toEqual(['payment.payment.refunded.v1']);
    expect(t.rows.get(`${tenantId}/${t.orderId}`)).toMatchObject({ status: 'cancelled', captured: 3000, refunded: 3000 });
  });

  it('a late webhook whose refund failed mid-way completes that refund on redelivery instead of being refused', async () => {
    let down = true;
    const t = setup({
      refund: () => {
        if (down) throw new ServiceUnavailableError('stripe down');
        return { kind: 'succeeded', providerRefundId: 're_1' };
      },
    });
    await makeCancelPayment(t.deps)(cancelled(t.orderId, 'reserved'));
    const apply = makeApplyWebhook(t.deps, 'payment-webhook-stripe');
    await expect(apply(webhook(t.orderId, paid()))).rejects.toThrow('stripe down');
    down = false;
    expect(await apply(webhook(t.orderId, paid()))).toBe('refund');
    await expect(apply(webhook(t.orderId, paid()))).rejects.toMatchObject({ code: 'webhook_replayed' });
    expect(t.eventsOf(t.orderId).map((e) => e.type)).toEqual(['payment.payment.refunded.v1']);
  });

  it('an order cancelled before its payment step is never charged', async () => {
    const t = setup();
    await makeCancelPayment(t.deps)(cancelled(t.orderId, 'reserved'));
    expect(await makeAuthorizePayment(t.deps)(reserved(t.orderId))).toEqual({ charged: false, status: 'cancelled' });
    expect(t.stripe.charges).toEqual([]);
    expect(t.outbox).toEqual([]);
  });
});

describe('payment-refund', () => {
  const paidOrder = async () => {
    const t = setup({ charge: (r) => ({ kind: 'succeeded', reference: 'pi_paid', amount: r.amount, currency: r.currency }) });
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    return t;
  };

  it('partial, then the rest, then 422; each refund announced once', async () => {
    const t = await paidOrder();
    const refund = makeRefundPayment(t.deps);
    const first = await refund({ tenantId, orderId: t.orderId, requestKey: 'k1', amount: 1000, reason: 'scratched' });
    expect(first).toMatchObject({ refund: { amount: 1000, status: 'succeeded', note: 'scratched' }, payment: { refunded: 1000, refundable: 2000 } });
    const rest = await refund({ tenantId, orderId: t.orderId, requestKey: 'k2', reason: 'all of it' });
    expect(rest).toMatchObject({ refund: { amount: 2000 }, payment: { refunded: 3000, refundable: 0 } });
    await expect(refund({ tenantId, orderId: t.orderId, requestKey: 'k3', amount: 1, reason: 'more' })).rejects.toMatchObject({
      status: 422,
      code: 'refund_exceeds_captured',
    });
    expect(t.eventsOf(t.orderId, 'payment.payment.refunded.v1').map((e) => dataOf(e).refundedTotal)).toEqual([1000, 3000]);
    expect(t.stripe.refunds.map((r) => r.idempotencyKey)).toEqual([`refund:${t.orderId}:${first.refund.id}`, `refund:${t.orderId}:${rest.refund.id}`]);
  });

  it('concurrent refunds never add up past the captured amount', async () => {
    const t = await paidOrder();
    const refund = makeRefundPayment(t.deps);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => refund({ tenantId, orderId: t.orderId, requestKey: `c${i}`, amount: 1000, reason: 'split' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      Array(3).fill('refund_exceeds_captured'),
    );
    expect(t.rows.get(`${tenantId}/${t.orderId}`)).toMatchObject({ refunded: 3000 });
  });

  it('a declined refund is released (422 refund_decline); a retry of an outage resumes the same refund', async () => {
    const t = await paidOrder();
    t.stripe.refund = async () => ({ kind: 'failed', reason: 'charge_disputed' });
    await expect(makeRefundPayment(t.deps)({ tenantId, orderId: t.orderId, requestKey: 'd1', reason: 'x' })).rejects.toMatchObject({
      status: 422,
      code: 'refund_declined',
    });
    expect(t.rows.get(`${tenantId}/${t.orderId}`)).toMatchObject({ refunded: 0, refunds: [{ status: 'failed' }] });
    let down = true;
    t.stripe.refund = async () => {
      if (down) throw new ServiceUnavailableError('down');
      return { kind: 'succeeded', providerRefundId: 're_ok' };
    };
    await expect(makeRefundPayment(t.deps)({ tenantId, orderId: t.orderId, requestKey: 'd2', amount: 500, reason: 'x' })).rejects.toThrow('down');
    down = false;
    const resumed = await makeRefundPayment(t.deps)({ tenantId, orderId: t.orderId, requestKey: 'd2', amount: 500, reason: 'x' });
    expect(resumed.refund).toMatchObject({ amount: 500, status: 'succeeded', providerRefundId: 're_ok' });
    expect(t.rows.get(`${tenantId}/${t.orderId}`)!.refunds).toHaveLength(2);
    // Once settled, the same key returns the same refund and sends nothing.
    const before = t.eventsOf(t.orderId).length;
    expect((await makeRefundPayment(t.deps)({ tenantId, orderId: t.orderId, requestKey: 'd2', amount: 500, reason: 'x' })).refund.id).toBe(resumed.refund.id);
    expect(t.eventsOf(t.orderId)).toHaveLength(before);
  });

  it('refuses a payment that captured nothing and an unknown one', async () => {
    const t = setup();
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    await expect(makeRefundPayment(t.deps)({ tenantId, orderId: t.orderId, requestKey: 'x', reason: 'x' })).rejects.toMatchObject({
      status: 409,
      code: 'payment_not_captured',
    });
    await expect(makeRefundPayment(t.deps)({ tenantId, orderId: orderIdOf(999999), requestKey: 'x', reason: 'x' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('payment-get', () => {
  it("the buyer sees their own order's payment; another customer gets 404; staff see every one", async () => {
    const t = setup();
    await makeAuthorizePayment(t.deps)(reserved(t.orderId));
    const get = makeGetPayment({ store: t.store });
    expect(await get({ userId: 'buyer-1', level: 10 }, tenantId, t.orderId)).toMatchObject({
      orderId: t.orderId,
      status: 'pending',
      amount: 3000,
      refundable: 0,
    });
    await expect(get({ userId: 'someone-else', level: 10 }, tenantId, t.orderId)).rejects.toMatchObject({ status: 404 });
    expect(await get({ userId: 'clerk', level: 40 }, tenantId, t.orderId)).toMatchObject({ buyerId: 'buyer-1' });
    await expect(get({ userId: 'clerk', level: 40 }, 'other-tenant', t.orderId)).rejects.toMatchObject({ status: 404 });
    const view = await get({ userId: 'clerk', level: 100 }, tenantId, t.orderId);
    expect(view).not.toHaveProperty('webhookEvents');
  });
});
