import type { PaymentGateway } from './gateways';
import type { PaymentStore } from './repository';
import {
  applyOutcome,
  idempotencyKeys,
  settleRefund,
  WebhookReplayedError,
  type Applied,
  type EventContext,
  type PaymentRecord,
  type Provider,
  type RefundRecord,
} from './rules';
import type { WebhookDecision } from './webhooks';

/** What payment operations need from the outside world; deps.ts wires the real ones. */
export interface PaymentDeps {
  store: PaymentStore;
  /** The provider's adapter, behind its circuit breaker; throws ConfigError when its secret is missing. */
  gateway: (provider: Provider) => PaymentGateway;
  now: () => Date;
  newId: () => string;
}

/**
 * Sends a reserved refund to the provider (same idempotency key on every attempt) and settles
 * it: counted and announced, or released if the provider declined. A transient failure throws
 * and leaves the refund reserved, for the retry to resume.
 */
export const runRefund = async (deps: PaymentDeps, record: PaymentRecord, refund: RefundRecord, ctx: EventContext) => {
  const result = await deps.gateway(record.provider!).refund({
    tenantId: record.tenantId,
    orderId: record.id,
    reference: record.providerReference!,
    amount: refund.amount,
    currency: record.currency,
    refundId: refund.id,
    idempotencyKey: idempotencyKeys.refund(record.id, refund.id),
    reason: refund.reason,
  });
  return deps.store.change(record.tenantId, record.id, (current) => settleRefund(current, refund.id, result, deps.now(), ctx));
};

export type WebhookResult = Applied | 'ignored';

/**
 * Applies a verified webhook: the outcome and the event id in one write (first outcome decides,
 * a seen id is refused as a replay), then the refund that money taken from a cancelled order
 * calls for. A redelivery of an event whose first delivery failed after its write (the refund
 * left pending) completes that refund instead of being refused: finishing the first effect is
 * not a second one.
 */
export const makeApplyWebhook =
  (deps: PaymentDeps, source: string) =>
  async (decision: WebhookDecision): Promise<WebhookResult> => {
    if (decision.kind === 'ignore') return 'ignored';
    const { tenantId, orderId } = decision;
    try {
      const applied = await deps.store.change(tenantId, orderId, (current) =>
        applyOutcome(current, decision.outcome, {
          tenantId,
          orderId,
          provider: decision.provider,
          now: deps.now(),
          events: { source, continueSagaTrace: true },
          webhookEventId: decision.eventId,
          buyerId: decision.buyerId,
        }),
      );
      if (applied.refund) await runRefund(deps, applied.record, applied.refund, { source, continueSagaTrace: true });
      return applied.applied;
    } catch (error) {
      if (!(error instanceof WebhookReplayedError)) throw error;
      const record = await deps.store.get(tenantId, orderId);
      const pending = record?.refunds.find((r) => r.status === 'pending' && r.reason === 'order_cancelled');
      if (!record || !pending) throw error;
      await runRefund(deps, record, pending, { source });
      return 'refund';
    }
  };
