import { NotFoundError, ServiceUnavailableError } from '../../layers/errors';
import type { OutboxEntry } from '../../layers/events/outbox';
import { countSagaOutcome } from '../../layers/metrics';
import type { OrderDeps } from './deps';
import { orderCancelled, orderConfirmed, orderDelivered, orderFulfilled, type cancelReason } from './events';
import { orderRef } from './rules';
import type { Order } from './schemas';
import { nextState, type OrderAction } from './states';
import type { z } from 'zod';

/**
 * The one way an order changes state: read it, decide, check the move against the state
 * machine, write the next state and its event in ONE document write conditional on the state
 * and version it was decided from. A write that loses the race to another change reads the
 * order again and decides afresh (the decision may now be "nothing to do" or a 409).
 */
const CHECKOUT_SAGA = 'checkout';

export type CancelReason = z.infer<typeof cancelReason>;

export type Decision =
  | { action: 'reserve'; reservation: { expiresAt: string } }
  | { action: 'confirm'; paymentId: string }
  | { action: 'cancel'; reason: CancelReason }
  | { action: 'fulfil' }
  | { action: 'deliver' };

/** Decides the move for the order as it is now; undefined when there is nothing to do. May throw (404, 409). */
export type Decide = (order: Order) => Decision | undefined;

export interface TransitionContext {
  /** The function making the change: the events' `source`. */
  source: string;
  /** The event that caused the change, for correlation. */
  cause?: { id: string; correlationId: string };
}

export interface TransitionResult {
  order: Order;
  /** False when the decision was to do nothing (a redelivery, or a state the event no longer concerns). */
  changed: boolean;
}

/** How many times a transition re-reads after losing a race before answering 503 (retryable). */
export const MAX_ATTEMPTS = 10;

/** The order after `decision`, moved to `to`. */
export const applyDecision = (order: Order, decision: Decision, to: Order['state'], now: Date): Order => {
  const next: Order = { ...order, state: to, version: order.version + 1, updatedAt: now.toISOString() };
  if (decision.action === 'reserve') next.reservation = decision.reservation;
  if (decision.action === 'confirm') next.paymentId = decision.paymentId;
  if (decision.action === 'cancel') next.cancellation = { reason: decision.reason, from: order.state, at: next.updatedAt };
  return next;
};

/** The event a move raises; `reserve` raises none (inventory already said so). */
export const eventsOf = (next: Order, decision: Decision, from: Order['state'], context: TransitionContext): OutboxEntry[] => {
  const base = {
    subject: next.id,
    tenantId: next.tenantId,
    source: context.source,
    ...(context.cause ? { correlationId: context.cause.correlationId, causationId: context.cause.id } : {}),
  };
  switch (decision.action) {
    case 'reserve':
      return [];
    case 'confirm':
      return [orderConfirmed.create({ ...base, data: { ...orderRef(next), paymentId: decision.paymentId } })];
    case 'cancel':
      return [orderCancelled.create({ ...base, data: { ...orderRef(next), reason: decision.reason, from } })];
    case 'fulfil':
      return [orderFulfilled.create({ ...base, data: orderRef(next) })];
    case 'deliver':
      return [orderDelivered.create({ ...base, data: orderRef(next) })];
  }
};

/** Counts where the checkout saga ends: an order confirmed, or cancelled and why. */
const countOutcome = (decision: Decision): void => {
  if (decision.action === 'confirm') countSagaOutcome(CHECKOUT_SAGA, 'confirmed', 'payment_succeeded');
  if (decision.action === 'cancel') countSagaOutcome(CHECKOUT_SAGA, 'cancelled', decision.reason);
};

export const makeTransitionOrder =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  async (tenantId: string, id: string, decide: Decide, context: TransitionContext): Promise<TransitionResult> => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = await deps.store.get(tenantId, id);
      if (!current) throw new NotFoundError('order', id);
      const decision = decide(current);
      if (!decision) return { order: current, changed: false };
      const action: OrderAction = decision.action;
      const next = applyDecision(current, decision, nextState(current.state, action), deps.now());
      const events = eventsOf(next, decision, current.state, context);
      if (await deps.store.transition(next, { state: current.state, version: current.version }, events)) {
        if (events.length > 0) deps.nudge(id);
        countOutcome(decision);
        return { order: next, changed: true };
      }
    }
    throw new ServiceUnavailableError(`Order ${id} kept changing while this change was applied; retry.`, 'order_busy');
  };
