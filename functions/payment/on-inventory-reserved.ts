import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { causedBy } from '../../layers/events/envelope';
import { currentTraceparent } from '../../layers/tracing';
import { reservationReserved } from '../inventory/events';
import { paymentDeps } from './deps';
import { applyOutcome, openPayment, type Outcome, type PaymentStatus } from './rules';
import { runRefund, type PaymentDeps } from './steps';

export const AUTHORIZE_STEP = 'payment-on-inventory-reserved';

type Reserved = z.infer<typeof reservationReserved.schema>;

/**
 * The saga's payment step: the order's stock is held, so charge it. The pending record is
 * written before the provider is called (a webhook arriving meanwhile finds it); a payment
 * already decided (by a webhook that came first, or an earlier delivery) or cancelled is not
 * charged again. The provider's answer then goes through the same single conditional write
 * as a webhook: the first final outcome emits payment.payment.succeeded or failed, once.
 * Retries are safe: Stripe gets the same idempotency key (`pi:<orderId>`), Paystack the same
 * reference. A zero total needs no provider and succeeds at once.
 */
export const makeAuthorizePayment =
  (deps: PaymentDeps) =>
  async (event: ConsumedEvent<Reserved>): Promise<{ charged: boolean; status: PaymentStatus }> => {
    const { orderId, buyerId, checkout } = event.data;
    const tenantId = event.tenantId;
    const order = {
      tenantId,
      orderId,
      buyerId,
      provider: checkout.provider,
      amount: checkout.total,
      currency: checkout.currency,
      email: checkout.email,
      correlationId: event.correlationId,
      ...(currentTraceparent() ? { traceparent: currentTraceparent() } : {}),
    };
    const opened = await deps.store.change(tenantId, orderId, (current) => openPayment(current, order, deps.now()));
    if (!opened.charge) return { charged: false, status: opened.record.status };

    const gateway = deps.gateway(checkout.provider);
    const outcome: Outcome =
      checkout.total === 0
        ? { kind: 'succeeded', reference: `free:${orderId}`, amount: 0, currency: checkout.currency }
        : await gateway.charge({
            tenantId,
            orderId,
            buyerId,
            amount: checkout.total,
            currency: checkout.currency,
            email: checkout.email,
            ...(checkout.method ? { method: checkout.method } : {}),
          });

    const applied = await deps.store.change(tenantId, orderId, (current) =>
      applyOutcome(current, outcome, {
        tenantId,
        orderId,
        provider: checkout.provider,
        now: deps.now(),
        events: { source: AUTHORIZE_STEP, ...causedBy(event) },
      }),
    );
    // Money taken from an order cancelled meanwhile goes straight back; an intent still open is cancelled.
    if (applied.refund) await runRefund(deps, applied.record, applied.refund, { source: AUTHORIZE_STEP, ...causedBy(event) });
    if (applied.record.status === 'cancelled' && outcome.kind === 'pending' && outcome.reference) {
      await gateway.cancel({ orderId, reference: outcome.reference }).catch(() => false);
    }
    return { charged: true, status: applied.record.status };
  };

export default defineConsumer(
  {
    name: 'payment-on-inventory-reserved',
    summary: "Charge the order's payment once its stock is reserved",
    events: { [reservationReserved.type]: reservationReserved.schema },
  },
  async (event) => {
    await makeAuthorizePayment(await paymentDeps())(event as ConsumedEvent<Reserved>);
  },
);
