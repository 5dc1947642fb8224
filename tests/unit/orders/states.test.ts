import { describe, expect, it } from 'vitest';
import {
  FINAL_STATES,
  IllegalTransitionError,
  TRANSITIONS,
  canTransition,
  nextState,
  targetOf,
  type OrderAction,
  type OrderState,
} from '../../../functions/orders/states';
import { orderState } from '../../../functions/orders/events';

const ACTIONS: OrderAction[] = ['reserve', 'confirm', 'cancel', 'fulfil', 'deliver'];

describe('order state machine', () => {
  it('has a row for every state of the event contract', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...orderState.options].sort());
  });

  it.each([
    ['pending', 'reserve', 'reserved'],
    ['pending', 'confirm', 'confirmed'],
    ['pending', 'cancel', 'cancelled'],
    ['reserved', 'confirm', 'confirmed'],
    ['reserved', 'cancel', 'cancelled'],
    ['confirmed', 'fulfil', 'fulfilled'],
    ['confirmed', 'cancel', 'cancelled'],
    ['fulfilled', 'deliver', 'delivered'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(nextState(from, action)).toBe(to);
    expect(canTransition(from, action)).toBe(true);
  });

  it('allows exactly the eight moves above', () => {
    const legal = (Object.keys(TRANSITIONS) as OrderState[]).flatMap((state) =>
      ACTIONS.filter((action) => targetOf(state, action)).map((a) => `${state}:${a}`),
    );
    expect(legal).toHaveLength(8);
  });

  it.each([
    ['fulfilled', 'cancel'],
    ['delivered', 'cancel'],
    ['cancelled', 'cancel'],
    ['cancelled', 'confirm'],
    ['pending', 'fulfil'],
    ['reserved', 'deliver'],
    ['confirmed', 'deliver'],
    ['delivered', 'fulfil'],
    ['reserved', 'reserve'],
    ['confirmed', 'confirm'],
  ] as const)('refuses %s --%s--> with 409 illegal_transition naming the state', (state, action) => {
    expect(canTransition(state, action)).toBe(false);
    let thrown: unknown;
    try {
      nextState(state, action);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toMatchObject({ status: 409, code: 'illegal_transition', extras: { state } });
  });

  it('ends in delivered or cancelled, and from every other state a final state is reachable', () => {
    expect([...FINAL_STATES].sort()).toEqual(['cancelled', 'delivered']);
    const reaches = (state: OrderState, seen = new Set<OrderState>()): boolean =>
      FINAL_STATES.includes(state) || Object.values(TRANSITIONS[state]).some((next) => !seen.has(next!) && reaches(next!, new Set([...seen, state])));
    for (const state of Object.keys(TRANSITIONS) as OrderState[]) expect(reaches(state), state).toBe(true);
  });
});
