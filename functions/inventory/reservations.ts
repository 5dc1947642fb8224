import { ServiceUnavailableError } from '../../layers/errors';
import type { OutboxEntry } from '../../layers/events/outbox';
import type { ReservationStore, StockStore } from './repository';
import {
  advance,
  commitLine,
  holdLine,
  openReservation,
  rejectedEvent,
  releaseLine,
  reservedEvent,
  restockLine,
  stepFor,
  type CheckoutTerms,
  type Reservation,
  type ReservationLine,
  type ReservationStatus,
  type Unavailable,
  type WriteContext,
} from './rules';

/**
 * The checkout saga's inventory steps, one per trigger, each a plain function of its ports.
 * A step reads the order's reservation, asks `stepFor` what the trigger means in its state,
 * claims it (a conditional write to its working state), then changes stock line by line (each
 * hold, commit, release or restock is one conditional write of that variant's stock document,
 * idempotent per order), and ends with the status the step leaves and the event it causes in
 * one write. A step that crashed half way is finished by the redelivery. Steps of one order
 * take turns under the order lock; without it (a lapsed lease) the claims still keep them
 * apart, and the loser is retried (503) and sees what the winner did.
 */
export interface ReservationDeps {
  stock: StockStore;
  reservations: ReservationStore;
  now: () => Date;
  /** How long a hold lasts before it expires by itself (RESERVATION_TTL_SECONDS). */
  ttlMs: number;
  /** Has the steps of one order take turns (saves wasted work; the claims keep them correct without it). */
  lockOrder: <T>(tenantId: string, orderId: string, work: () => Promise<T>) => Promise<T>;
}

/** The producing function and the event it reacts to. */
export interface Trace {
  source: string;
  correlationId?: string;
  causationId?: string;
}

export interface OrderRef {
  tenantId: string;
  orderId: string;
  buyerId: string;
  lines: readonly ReservationLine[];
}

export type StepOutcome = 'reserved' | 'rejected' | 'committed' | 'released' | 'restocked' | 'expired' | 'unchanged';

/**
 * Another step of the order moved the reservation between this step's read and write, or is
 * under way: this step is retried by redelivery (503), and then sees what the other one did.
 */
export class ReservationMovedError extends ServiceUnavailableError {
  constructor(orderId: string) {
    super(`Another step of order ${orderId} moved its reservation; retry.`, 'reservation_moved');
  }
}

export const makeReservationSteps = (deps: ReservationDeps) => {
  const context = (trace: Trace): WriteContext => ({ ...trace, now: deps.now() });

  const move = async (reservation: Reservation, status: ReservationStatus, trace: Trace, events: OutboxEntry[] = [], patch = {}): Promise<Reservation> => {
    const next = advance(reservation, status, deps.now(), patch);
    if (!(await deps.reservations.replace(next, reservation.version, events))) throw new ReservationMovedError(reservation.orderId);
    return next;
  };

  const insert = async (reservation: Reservation): Promise<Reservation> => {
    if (!(await deps.reservations.insert(reservation, []))) throw new ReservationMovedError(reservation.orderId);
    return reservation;
  };

  const releaseAll = async (reservation: Reservation, kind: 'released' | 'expired', trace: Trace): Promise<void> => {
    const { tenantId, orderId } = reservation;
    await Promise.all(
      reservation.lines.map((line) => deps.stock.update(tenantId, line.productId, line.sku, (s) => releaseLine(s, orderId, kind, context(trace)))),
    );
  };

  /** Holds line by line; on the first line that cannot be held, gives back what this order holds and says what is short. */
  const holdAll = async (reservation: Reservation, trace: Trace): Promise<Unavailable[]> => {
    const { tenantId, orderId, expiresAt, lines } = reservation;
    for (const [index, line] of lines.entries()) {
      const result = await deps.stock.update(tenantId, line.productId, line.sku, (s) =>
        holdLine(s, { orderId, quantity: line.quantity, expiresAt }, context(trace)),
      );
      if (result.held) continue;
      const unavailable: Unavailable[] = [{ productId: line.productId, sku: line.sku, requested: line.quantity, available: result.available }];
      // The rest is only read, so the buyer learns every line that is short, not just the first.
      for (const rest of lines.slice(index + 1)) {
        const available = (await deps.stock.get(tenantId, rest.productId, rest.sku))?.available ?? 0;
        if (available < rest.quantity) unavailable.push({ productId: rest.productId, sku: rest.sku, requested: rest.quantity, available });
      }
      // Only the lines before this one can be held by this order: every run holds in the same order and stops here.
      await releaseAll({ ...reservation, lines: lines.slice(0, index) }, 'released', trace);
      return unavailable;
    }
    return [];
  };

  const commitAll = async (reservation: Reservation, trace: Trace): Promise<void> => {
    const { tenantId, orderId } = reservation;
    for (const line of reservation.lines) await deps.stock.update(tenantId, line.productId, line.sku, (s) => commitLine(s, orderId, context(trace)));
  };

  const restockAll = async (reservation: Reservation, trace: Trace): Promise<void> => {
    const { tenantId, orderId } = reservation;
    for (const line of reservation.lines) {
      await deps.stock.update(tenantId, line.productId, line.sku, (s) => restockLine(s, { orderId, quantity: line.quantity }, context(trace)));
    }
  };

  /** orders.order.created: hold every line, or none. */
  const reserve = (order: OrderRef & { checkout: CheckoutTerms }, trace: Trace): Promise<StepOutcome> =>
    deps.lockOrder(order.tenantId, order.orderId, async () => {
      let reservation = await deps.reservations.get(order.tenantId, order.orderId);
      const step = stepFor('created', reservation, deps.now());
      if (step === 'wait') throw new ReservationMovedError(order.orderId);
      if (step === 'sweep') await releaseAll(reservation!, 'released', trace);
      if (step !== 'open' && step !== 'hold') return 'unchanged';
      reservation ??= await insert(openReservation(order, 'holding', deps.now(), deps.ttlMs, false, trace.correlationId));
      const unavailable = await holdAll(reservation, trace);
      if (unavailable.length > 0) {
        await move(reservation, 'rejected', trace, [rejectedEvent(reservation, 'out_of_stock', unavailable, context(trace))]);
        return 'rejected';
      }
      await move(reservation, 'reserved', trace, [reservedEvent(reservation, order.checkout, context(trace))]);
      return 'reserved';
    });

  /**
   * orders.order.confirmed: commit the held units. A hold that expired first is taken again if
   * the stock allows; if not, the order learns it through rejected{expired} (and is refunded).
   */
  const commit = (order: OrderRef, trace: Trace): Promise<StepOutcome> =>
    deps.lockOrder(order.tenantId, order.orderId, async () => {
      let reservation = await deps.reservations.get(order.tenantId, order.orderId);
      const step = stepFor('confirmed', reservation, deps.now());
      if (step === 'wait') throw new ReservationMovedError(order.orderId);
      if (step === 'sweep') await releaseAll(reservation!, 'released', trace);
      if (step === 'none' || step === 'sweep') return 'unchanged';
      if (step === 'reopen') {
        const expiresAt = new Date(deps.now().getTime() + deps.ttlMs);
        reservation = reservation
          ? await move(reservation, 'holding', trace, [], { rehold: true, expiresAt })
          : await insert(openReservation(order, 'holding', deps.now(), deps.ttlMs, true, trace.correlationId));
      }
      if (step === 'reopen' || step === 'rehold') {
        const unavailable = await holdAll(reservation!, trace);
        if (unavailable.length > 0) {
          await move(reservation!, 'expired', trace, [rejectedEvent(reservation!, 'expired', unavailable, context(trace))]);
          return 'rejected';
        }
      }
      if (reservation!.status !== 'committing') reservation = await move(reservation!, 'committing', trace);
      await commitAll(reservation!, trace);
      await move(reservation!, 'committed', trace);
      return 'committed';
    });

  /**
   * orders.order.cancelled: give back whatever the order still holds; a paid (committed) order's
   * units go back on hand (restock), since inventory runs before fulfilment. A cancel that comes
   * before the order was seen leaves a released reservation, so the late order holds nothing.
   */
  const cancel = (order: OrderRef, trace: Trace): Promise<StepOutcome> =>
    deps.lockOrder(order.tenantId, order.orderId, async () => {
      let reservation = await deps.reservations.get(order.tenantId, order.orderId);
      switch (stepFor('cancelled', reservation, deps.now())) {
        case 'tombstone':
          await insert(openReservation(order, 'released', deps.now(), deps.ttlMs, false, trace.correlationId));
          return 'released';
        case 'release':
          if (reservation!.status !== 'releasing') reservation = await move(reservation!, 'releasing', trace);
          await releaseAll(reservation!, 'released', trace);
          await move(reservation!, 'released', trace);
          return 'released';
        case 'wait':
          throw new ReservationMovedError(order.orderId);
        case 'close':
          await move(reservation!, 'released', trace);
          return 'released';
        case 'restock':
          if (reservation!.status !== 'restocking') reservation = await move(reservation!, 'restocking', trace);
          await restockAll(reservation!, trace);
          await move(reservation!, 'restocked', trace);
          return 'restocked';
        default:
          return 'unchanged';
      }
    });

  /** The expiry sweep: a reservation left alone past its time releases its stock and tells the order. */
  const expire = (target: { tenantId: string; orderId: string }, source: string): Promise<StepOutcome> =>
    deps.lockOrder(target.tenantId, target.orderId, async () => {
      let reservation = await deps.reservations.get(target.tenantId, target.orderId);
      if (stepFor('expiry', reservation, deps.now()) !== 'expire') return 'unchanged';
      const trace: Trace = { source, ...(reservation!.correlationId ? { correlationId: reservation!.correlationId } : {}) };
      if (reservation!.status !== 'expiring') reservation = await move(reservation!, 'expiring', trace);
      await releaseAll(reservation!, 'expired', trace);
      await move(reservation!, 'expired', trace, [rejectedEvent(reservation!, 'expired', [], context(trace))]);
      return 'expired';
    });

  return { reserve, commit, cancel, expire };
};

export type ReservationSteps = ReturnType<typeof makeReservationSteps>;
