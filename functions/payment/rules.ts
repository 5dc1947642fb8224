import { AppError, ConflictError, NotFoundError, UnprocessableError } from '../../layers/errors';
import type { OutboxEntry } from '../../layers/events/outbox';
import { paymentFailed, paymentRefunded, paymentSucceeded } from './events';

/**
 * The payment of one order, as a state machine over one document (`_id` = order id). Every
 * function here is pure: it takes the current record (undefined when there is none yet) and
 * returns the next record and the events the change causes, which the store writes in ONE
 * conditional document write (state and outbox together). The store runs them under the
 * document lock and re-reads on a version conflict, so "whoever comes first decides" holds
 * across the saga step, the webhooks and their retries.
 *
 *   pending ──(charge succeeded)──▶ succeeded        emits payment.payment.succeeded, once
 *   pending ──(charge failed)─────▶ failed           emits payment.payment.failed, once
 *   pending ──(order cancelled)───▶ cancelled        emits nothing: the order is already cancelled
 *   cancelled|failed ──(money taken after all)──▶ same status, captured, refund of it at once
 *                                                    emits payment.payment.refunded, never succeeded:
 *                                                    a success would confirm a cancelled order
 *   succeeded ──(order cancelled)──▶ refund of what is left, once (payment.payment.refunded)
 *
 * Refunds are reserved before the provider is called (a pending refund counts against what may
 * still be refunded) and settled after, so concurrent refunds can never add up past the captured
 * amount, and a crash between the two leaves a pending refund that the next attempt resumes with
 * the same provider idempotency key.
 */
export type Provider = 'stripe' | 'paystack';
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';
export type RefundReason = 'order_cancelled' | 'requested';
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/** What the buyer must do to finish paying: Paystack's hosted page, or Stripe's client-side confirmation. */
export type NextAction = { type: 'redirect'; url: string } | { type: 'stripe_confirm'; clientSecret: string };

export interface RefundRecord {
  id: string;
  amount: number;
  reason: RefundReason;
  status: RefundStatus;
  providerRefundId: string | null;
  /** The scoped Idempotency-Key of the request that made it; null for the cancellation refund. */
  requestKey: string | null;
  note: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentRecord {
  /** The order id. */
  id: string;
  tenantId: string;
  buyerId: string | null;
  /** Null only for an order cancelled before its payment step ever ran. */
  provider: Provider | null;
  amount: number;
  currency: string;
  email: string | null;
  status: PaymentStatus;
  /** Minor units the provider took. */
  captured: number;
  /** Minor units refunded (settled refunds only). */
  refunded: number;
  providerReference: string | null;
  failureReason: string | null;
  nextAction: NextAction | null;
  refunds: RefundRecord[];
  /** Provider webhook event ids already applied: a replay is refused. */
  webhookEvents: string[];
  /** The checkout flow's correlation id, so webhook-caused events join the saga's trace of events. */
  correlationId: string | null;
  /** The W3C traceparent of the saga's payment step: what a webhook decides continues the checkout's trace. */
  traceparent: string | null;
  orderCancelled: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A change to write: `next` undefined means nothing to write. */
export interface Transition<T> {
  next?: PaymentRecord;
  events: OutboxEntry[];
  result: T;
}

/** Who causes the events of a transition. */
export interface EventContext {
  source: string;
  correlationId?: string;
  causationId?: string;
  /** A webhook's events continue the trace of the checkout whose payment it decides (`traceparent` of the record). */
  continueSagaTrace?: boolean;
}

export type Outcome =
  | { kind: 'succeeded'; reference: string; amount: number; currency: string }
  | { kind: 'failed'; reference: string | null; reason: string; amount: number; currency: string }
  | { kind: 'pending'; reference: string | null; nextAction: NextAction | null; amount: number; currency: string };

export interface OrderTerms {
  tenantId: string;
  orderId: string;
  buyerId: string;
  provider: Provider;
  amount: number;
  currency: string;
  email: string;
  correlationId: string;
  traceparent?: string;
}

export const CANCEL_REFUND_SUFFIX = ':cancel';
export const cancelRefundId = (orderId: string): string => `${orderId}${CANCEL_REFUND_SUFFIX}`;

/** Stripe idempotency keys derived from the order, so a retried step can never charge or refund twice. */
export const idempotencyKeys = {
  charge: (orderId: string) => `pi:${orderId}`,
  cancelIntent: (orderId: string) => `pi-cancel:${orderId}`,
  refund: (orderId: string, refundId: string) => (refundId === cancelRefundId(orderId) ? `refund:${orderId}:cancel` : `refund:${orderId}:${refundId}`),
};

export class WebhookReplayedError extends ConflictError {
  constructor(eventId: string) {
    super(`Webhook event ${eventId} was already applied; nothing changed.`, 'webhook_replayed', { eventId });
  }
}

/** The provider refused a refund for good (not a transient failure): answered 422, the reservation released. */
export class RefundDeclinedError extends AppError {
  constructor(reason: string) {
    super(422, 'refund_declined', 'Unprocessable Content', `The provider declined the refund: ${reason}`, { reason });
  }
}

/** Sum of refunds that count against the captured amount: settled and still pending ones. */
export const committedRefunds = (record: Pick<PaymentRecord, 'refunds'>): number =>
  record.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);

export const refundable = (record: Pick<PaymentRecord, 'refunds' | 'captured'>): number => Math.max(0, record.captured - committedRefunds(record));

const iso = (now: Date) => now.toISOString();

const newRecord = (input: {
  tenantId: string;
  orderId: string;
  provider: Provider | null;
  amount: number;
  currency: string;
  buyerId?: string | null;
  email?: string | null;
  correlationId?: string | null;
  traceparent?: string | null;
  status?: PaymentStatus;
  now: Date;
}): PaymentRecord => ({
  id: input.orderId,
  tenantId: input.tenantId,
  buyerId: input.buyerId ?? null,
  provider: input.provider,
  amount: input.amount,
  currency: input.currency,
  email: input.email ?? null,
  status: input.status ?? 'pending',
  captured: 0,
  refunded: 0,
  providerReference: null,
  failureReason: null,
  nextAction: null,
  refunds: [],
  webhookEvents: [],
  correlationId: input.correlationId ?? null,
  traceparent: input.traceparent ?? null,
  orderCancelled: false,
  version: 0,
  createdAt: iso(input.now),
  updatedAt: iso(input.now),
});

const touched = (record: PaymentRecord, now: Date, changes: Partial<PaymentRecord>): PaymentRecord => ({
  ...record,
  ...changes,
  version: record.version + 1,
  updatedAt: iso(now),
});

const reference = (record: PaymentRecord) => ({
  orderId: record.id,
  paymentId: record.id,
  provider: record.provider!,
  amount: record.amount,
  currency: record.currency,
});

const eventInput = (record: PaymentRecord, ctx: EventContext) => ({
  subject: record.id,
  tenantId: record.tenantId,
  source: ctx.source,
  ...(ctx.continueSagaTrace && record.traceparent ? { traceparent: record.traceparent } : {}),
  ...((ctx.correlationId ?? record.correlationId) ? { correlationId: (ctx.correlationId ?? record.correlationId)! } : {}),
  ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
});

const reserveCancelRefund = (record: PaymentRecord, now: Date): { record: PaymentRecord; refund?: RefundRecord } => {
  const id = cancelRefundId(record.id);
  const existing = record.refunds.find((r) => r.id === id);
  if (existing) return existing.status === 'pending' ? { record, refund: existing } : { record };
  const amount = refundable(record);
  if (amount === 0) return { record };
  const refund: RefundRecord = {
    id,
    amount,
    reason: 'order_cancelled',
    status: 'pending',
    providerRefundId: null,
    requestKey: null,
    note: 'order cancelled',
    failureReason: null,
    createdAt: iso(now),
    updatedAt: iso(now),
  };
  return { record: { ...record, refunds: [...record.refunds, refund] }, refund };
};

/**
 * The saga step's start: a pending record for the order (or the missing buyer details on one a
 * webhook created first). `charge` says whether the provider is to be called: only while the
 * payment is undecided; a decided or cancelled payment is left as it is and nothing is charged.
 */
export const openPayment = (current: PaymentRecord | undefined, order: OrderTerms, now: Date): Transition<{ charge: boolean; record: PaymentRecord }> => {
  if (!current) {
    const record = touched(newRecord({ ...order, now }), now, {});
    return { next: record, events: [], result: { charge: true, record } };
  }
  const missing: Partial<PaymentRecord> = {};
  if (current.buyerId === null) missing.buyerId = order.buyerId;
  if (current.email === null) missing.email = order.email;
  if (current.correlationId === null) missing.correlationId = order.correlationId;
  if (current.traceparent === null && order.traceparent) missing.traceparent = order.traceparent;
  if (current.provider === null) missing.provider = order.provider;
  const charge = current.status === 'pending';
  if (Object.keys(missing).length === 0) return { events: [], result: { charge, record: current } };
  const record = touched(current, now, missing);
  return { next: record, events: [], result: { charge, record } };
};

export interface OutcomeContext {
  tenantId: string;
  orderId: string;
  provider: Provider;
  now: Date;
  events: EventContext;
  /** The provider's webhook event id; a second delivery of it is refused with nothing changed. */
  webhookEventId?: string;
  /** From the provider's metadata, for a record a webhook creates. */
  buyerId?: string | null;
}

export type Applied = 'decided' | 'recorded' | 'unchanged' | 'refund';

/**
 * Applies a provider's answer or webhook. A pending payment is decided by the first final outcome
 * (one write with its event); later outcomes change nothing, except money taken from an order
 * that can no longer be confirmed (cancelled, or failed before), which is refunded at once.
 */
export const applyOutcome = (
  current: PaymentRecord | undefined,
  outcome: Outcome,
  ctx: OutcomeContext,
): Transition<{ applied: Applied; refund?: RefundRecord; record: PaymentRecord }> => {
  if (current && ctx.webhookEventId && current.webhookEvents.includes(ctx.webhookEventId)) throw new WebhookReplayedError(ctx.webhookEventId);
  const base =
    current ??
    newRecord({
      tenantId: ctx.tenantId,
      orderId: ctx.orderId,
      provider: ctx.provider,
      amount: outcome.amount,
      currency: outcome.currency,
      buyerId: ctx.buyerId ?? null,
      now: ctx.now,
    });
  const seen = ctx.webhookEventId ? { webhookEvents: [...base.webhookEvents, ctx.webhookEventId] } : {};
  const keep = (applied: Applied) => {
    if (!current || ctx.webhookEventId) {
      const record = touched(base, ctx.now, seen);
      return { next: record, events: [], result: { applied, record } };
    }
    return { events: [], result: { applied, record: current } };
  };

  if (base.status === 'pending') {
    if (outcome.kind === 'pending') {
      const record = touched(base, ctx.now, {
        ...seen,
        providerReference: outcome.reference ?? base.providerReference,
        nextAction: outcome.nextAction ?? base.nextAction,
      });
      return { next: record, events: [], result: { applied: 'recorded', record } };
    }
    if (outcome.kind === 'succeeded') {
      const record = touched(base, ctx.now, {
        ...seen,
        provider: base.provider ?? ctx.provider,
        status: 'succeeded',
        captured: outcome.amount,
        providerReference: outcome.reference,
        failureReason: null,
        nextAction: null,
      });
      const event = paymentSucceeded.create({ ...eventInput(record, ctx.events), data: { ...reference(record), providerReference: outcome.reference } });
      return { next: record, events: [event], result: { applied: 'decided', record } };
    }
    const record = touched(base, ctx.now, {
      ...seen,
      provider: base.provider ?? ctx.provider,
      status: 'failed',
      failureReason: outcome.reason,
      providerReference: outcome.reference ?? base.providerReference,
      nextAction: null,
    });
    const event = paymentFailed.create({ ...eventInput(record, ctx.events), data: { ...reference(record), reason: outcome.reason } });
    return { next: record, events: [event], result: { applied: 'decided', record } };
  }

  if (outcome.kind === 'pending' && base.status === 'cancelled' && base.providerReference === null && outcome.reference) {
    // The order was cancelled while the provider was being called: keep the reference, so the intent can be cancelled.
    const record = touched(base, ctx.now, { ...seen, providerReference: outcome.reference });
    return { next: record, events: [], result: { applied: 'recorded', record } };
  }
  if (outcome.kind === 'succeeded' && (base.status === 'cancelled' || base.status === 'failed') && base.captured === 0) {
    const captured = touched(base, ctx.now, {
      ...seen,
      provider: base.provider ?? ctx.provider,
      captured: outcome.amount,
      providerReference: outcome.reference,
      nextAction: null,
    });
    const { record, refund } = reserveCancelRefund(captured, ctx.now);
    return { next: record, events: [], result: { applied: 'refund', record, ...(refund ? { refund } : {}) } };
  }
  return keep('unchanged');
};

/**
 * The order was cancelled. Undecided → cancelled (and the provider's intent cancelled, best
 * effort); captured money → refund of what is left, once; nothing known yet → a cancelled
 * record, so a late saga step charges nothing. `refund` is a pending refund to run (new or resumed).
 */
export const cancelPayment = (
  current: PaymentRecord | undefined,
  order: { tenantId: string; orderId: string; amount: number; currency: string; buyerId: string; correlationId: string },
  now: Date,
): Transition<{ record: PaymentRecord; refund?: RefundRecord; cancelIntent?: { provider: Provider; reference: string } }> => {
  if (!current) {
    const record = touched(newRecord({ ...order, provider: null, status: 'cancelled', now }), now, { orderCancelled: true });
    return { next: record, events: [], result: { record } };
  }
  let record = current;
  const changes: Partial<PaymentRecord> = {};
  if (!current.orderCancelled) changes.orderCancelled = true;
  let cancelIntent: { provider: Provider; reference: string } | undefined;
  if (current.status === 'pending') {
    changes.status = 'cancelled';
    changes.nextAction = null;
    if (current.provider && current.providerReference) cancelIntent = { provider: current.provider, reference: current.providerReference };
  }
  const reserved = reserveCancelRefund({ ...record, ...changes }, now);
  const changed = Object.keys(changes).length > 0 || reserved.record.refunds.length !== record.refunds.length;
  if (changed) record = touched(reserved.record, now, {});
  return {
    ...(changed ? { next: record } : {}),
    events: [],
    result: { record, ...(reserved.refund ? { refund: reserved.refund } : {}), ...(cancelIntent ? { cancelIntent } : {}) },
  };
};

export interface RefundRequest {
  orderId: string;
  amount?: number;
  note: string;
  requestKey: string;
  refundId: string;
  now: Date;
}

/**
 * A staff refund: reserves `amount` (default: all that is left) against the captured amount, or
 * refuses with 422 `refund_exceeds_captured`. The same request key returns its refund again
 * (`resume` when it is still to be sent to the provider).
 */
export const requestRefund = (
  current: PaymentRecord | undefined,
  request: RefundRequest,
): Transition<{ record: PaymentRecord; refund: RefundRecord; resume: boolean }> => {
  if (!current) throw new NotFoundError('payment', request.orderId);
  const previous = current.refunds.find((r) => r.requestKey === request.requestKey);
  if (previous) return { events: [], result: { record: current, refund: previous, resume: previous.status === 'pending' } };
  if (current.captured === 0) {
    throw new ConflictError('The payment has not captured anything to refund.', 'payment_not_captured', { status: current.status });
  }
  const left = refundable(current);
  const amount = request.amount ?? left;
  if (amount <= 0 || amount > left) {
    throw new UnprocessableError(
      `A refund of ${amount} exceeds what is left to refund (${left} of ${current.captured} ${current.currency}).`,
      'refund_exceeds_captured',
      {
        captured: current.captured,
        refunded: committedRefunds(current),
        refundable: left,
        requested: amount,
      },
    );
  }
  const refund: RefundRecord = {
    id: request.refundId,
    amount,
    reason: 'requested',
    status: 'pending',
    providerRefundId: null,
    requestKey: request.requestKey,
    note: request.note,
    failureReason: null,
    createdAt: iso(request.now),
    updatedAt: iso(request.now),
  };
  const record = touched(current, request.now, { refunds: [...current.refunds, refund] });
  return { next: record, events: [], result: { record, refund, resume: true } };
};

export type RefundResult = { kind: 'succeeded'; providerRefundId: string } | { kind: 'failed'; reason: string };

/** Settles a reserved refund: succeeded → counted and announced (payment.payment.refunded); failed → released. Idempotent. */
export const settleRefund = (
  current: PaymentRecord | undefined,
  refundId: string,
  result: RefundResult,
  now: Date,
  ctx: EventContext,
): Transition<{ refund: RefundRecord; record: PaymentRecord }> => {
  const refund = current?.refunds.find((r) => r.id === refundId);
  if (!current || !refund) throw new Error(`settleRefund: no refund ${refundId} on payment ${current?.id ?? '(none)'}`);
  if (refund.status !== 'pending') return { events: [], result: { refund, record: current } };
  const settled: RefundRecord =
    result.kind === 'succeeded'
      ? { ...refund, status: 'succeeded', providerRefundId: result.providerRefundId, updatedAt: iso(now) }
      : { ...refund, status: 'failed', failureReason: result.reason, updatedAt: iso(now) };
  const refunds = current.refunds.map((r) => (r.id === refundId ? settled : r));
  if (result.kind === 'failed') {
    const record = touched(current, now, { refunds });
    return { next: record, events: [], result: { refund: settled, record } };
  }
  const record = touched(current, now, { refunds, refunded: current.refunded + refund.amount });
  const event = paymentRefunded.create({
    ...eventInput(record, ctx),
    data: {
      ...reference(record),
      amount: record.captured,
      refundId: refund.id,
      refunded: refund.amount,
      refundedTotal: record.refunded,
      reason: refund.reason,
    },
  });
  return { next: record, events: [event], result: { refund: settled, record } };
};
