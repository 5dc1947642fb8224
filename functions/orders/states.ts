import type { z } from 'zod';
import { ConflictError } from '../../layers/errors';
import type { orderState } from './events';

/**
 * The order's state machine, as a table: which action moves which state where. Nothing else
 * decides whether an order may change; every write then makes the move conditional on the
 * state (and version) it was decided from.
 *
 *   pending ─reserve→ reserved ─confirm→ confirmed ─fulfil→ fulfilled ─deliver→ delivered
 *   pending ─confirm→ confirmed
 *   pending | reserved | confirmed ─cancel→ cancelled
 *
 * `confirm` is legal from `pending` too: payment authorizes only on inventory's
 * `reservation.reserved`, so a payment success proves the hold, but orders consumes the two
 * topics independently and may see the payment first.
 */
export type OrderState = z.infer<typeof orderState>;
export type OrderAction = 'reserve' | 'confirm' | 'cancel' | 'fulfil' | 'deliver';

export const TRANSITIONS: Readonly<Record<OrderState, Readonly<Partial<Record<OrderAction, OrderState>>>>> = {
  pending: { reserve: 'reserved', confirm: 'confirmed', cancel: 'cancelled' },
  reserved: { confirm: 'confirmed', cancel: 'cancelled' },
  confirmed: { fulfil: 'fulfilled', cancel: 'cancelled' },
  fulfilled: { deliver: 'delivered' },
  delivered: {},
  cancelled: {},
};

/** The states no action leaves. */
export const FINAL_STATES: readonly OrderState[] = (Object.keys(TRANSITIONS) as OrderState[]).filter((state) => Object.keys(TRANSITIONS[state]).length === 0);

export const ILLEGAL_TRANSITION = 'illegal_transition';

export class IllegalTransitionError extends ConflictError {
  constructor(state: OrderState, action: OrderAction) {
    super(`An order in state ${state} cannot be ${PAST[action]}.`, ILLEGAL_TRANSITION, { state });
  }
}

const PAST: Record<OrderAction, string> = { reserve: 'reserved', confirm: 'confirmed', cancel: 'cancelled', fulfil: 'fulfilled', deliver: 'delivered' };

/** The state `action` leads to from `state`, or undefined when the table has no such move. */
export const targetOf = (state: OrderState, action: OrderAction): OrderState | undefined => TRANSITIONS[state][action];

export const canTransition = (state: OrderState, action: OrderAction): boolean => targetOf(state, action) !== undefined;

/** The state `action` leads to; 409 `illegal_transition` with `{ state }` when it may not happen. */
export const nextState = (state: OrderState, action: OrderAction): OrderState => {
  const target = targetOf(state, action);
  if (!target) throw new IllegalTransitionError(state, action);
  return target;
};
