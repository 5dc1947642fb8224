import type { z } from 'zod';
import { ConflictError, NotFoundError, PreconditionFailedError, PreconditionRequiredError, UnprocessableError } from '../../layers/errors';
import type { OutboxEntry } from '../../layers/events/outbox';
import type { checkoutTerms } from '../orders/events';
import { reservationRejected, reservationReserved, stockChanged, stockLow } from './events';
import { MAX_QUANTITY, type AdjustStockBody, type SetStockBody, type StockLevel } from './schemas';

/**
 * The pure rules of inventory: how one variant's stock changes, and what each saga event does
 * to an order's reservation in each of its states. No I/O: the stores apply what these return.
 *
 * Invariants of a stock document: onHand ≥ 0, 0 ≤ reserved ≤ onHand, available = onHand − reserved,
 * reserved = the sum of `holds`, at most one hold per order, and version + 1 on every change.
 */
export interface Hold {
  orderId: string;
  quantity: number;
  expiresAt: Date;
}

export interface Stock {
  tenantId: string;
  productId: string;
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStockThreshold: number;
  version: number;
  holds: Hold[];
  /**
   * Orders whose committed units were put back after a cancel (most recent last, the last
   * LEDGER_SIZE only): it makes the restock of a line safe to repeat after a crash.
   */
  restocked: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** The stock document's id: one per variant. */
export const stockId = (productId: string, sku: string): string => `${productId}:${sku}`;

/** A crash leaves a restock to be repeated within seconds; 100 restocks of one variant in between are not expected. */
export const LEDGER_SIZE = 100;

/** Who writes, when, and the event being reacted to, for the envelopes of the events a change causes. */
export interface WriteContext {
  source: string;
  now: Date;
  correlationId?: string;
  causationId?: string;
}

type StockCause = NonNullable<z.infer<typeof stockChanged.schema>['cause']>;

/**
 * One change of one stock document. `next` absent: nothing to write. `expect` is checked by
 * the store in the same conditional write as the change, besides the version it read.
 */
export interface StockChange<R> {
  next?: Stock;
  events: OutboxEntry[];
  expect?: { minAvailable: number; notHolding: string };
  result: R;
}

const unchanged = <R>(result: R): StockChange<R> => ({ events: [], result });

export const isLow = (stock: Pick<Stock, 'available' | 'lowStockThreshold'>): boolean => stock.available <= stock.lowStockThreshold;

/** Low stock is announced once per descent: when a change takes the variant from above its threshold (or from nothing) to at or below it. */
export const crossesLow = (
  before: Pick<Stock, 'available' | 'lowStockThreshold'> | undefined,
  after: Pick<Stock, 'available' | 'lowStockThreshold'>,
): boolean => isLow(after) && !(before && isLow(before));

const envelope = (stock: Stock, ctx: WriteContext) => ({
  subject: stockId(stock.productId, stock.sku),
  tenantId: stock.tenantId,
  source: ctx.source,
  ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
  ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
});

/** The events a change causes: stock.changed always, stock.low when it crosses the threshold. */
export const stockEvents = (
  before: Stock | undefined,
  after: Stock,
  ctx: WriteContext,
  cause: { kind: StockCause; orderId?: string; reason?: string },
): OutboxEntry[] => {
  const { productId, sku, available, reserved, version } = after;
  const events = [
    stockChanged.create({
      ...envelope(after, ctx),
      data: {
        productId,
        sku,
        available,
        reserved,
        version,
        cause: cause.kind,
        ...(cause.orderId ? { orderId: cause.orderId } : {}),
        ...(cause.reason ? { reason: cause.reason } : {}),
      },
    }),
  ];
  if (crossesLow(before, after)) {
    events.push(stockLow.create({ ...envelope(after, ctx), data: { productId, sku, available, threshold: after.lowStockThreshold, version } }));
  }
  return events;
};

const changed = <R>(
  before: Stock | undefined,
  next: Stock,
  ctx: WriteContext,
  cause: Parameters<typeof stockEvents>[3],
  result: R,
  expect?: StockChange<R>['expect'],
): StockChange<R> => ({ next, events: stockEvents(before, next, ctx, cause), result, ...(expect ? { expect } : {}) });

/** The figures of a next version: available follows onHand and reserved. */
const revise = (stock: Stock, figures: Partial<Pick<Stock, 'onHand' | 'reserved' | 'lowStockThreshold' | 'holds' | 'restocked'>>, now: Date): Stock => {
  const next = { ...stock, ...figures, version: stock.version + 1, updatedAt: now };
  return { ...next, available: next.onHand - next.reserved };
};

export const toStockLevel = (stock: Stock): StockLevel => ({
  productId: stock.productId,
  sku: stock.sku,
  onHand: stock.onHand,
  reserved: stock.reserved,
  available: stock.available,
  lowStockThreshold: stock.lowStockThreshold,
  version: stock.version,
  updatedAt: stock.updatedAt.toISOString(),
});

const checkVersion = (stock: Stock, expected: number | undefined): void => {
  if (expected !== undefined && stock.version !== expected) {
    throw new PreconditionFailedError(`The stock is at version ${stock.version}, not ${expected}.`, { currentVersion: stock.version });
  }
};

const insufficient = (stock: Stock, detail: string, requested: number): ConflictError =>
  new ConflictError(detail, 'insufficient_stock', { onHand: stock.onHand, reserved: stock.reserved, available: stock.available, requested });

/**
 * inventory-set: the absolute count on hand. Creating the variant's stock needs no If-Match (there
 * is no version to name; naming one is a 412); replacing it requires one (428 without), because a
 * blind absolute count would undo the sales committed since the seller last looked. It may not go
 * below what is held for orders (409). The same figures again change nothing.
 */
export const setStock = (
  current: Stock | undefined,
  target: { tenantId: string; productId: string; sku: string },
  input: SetStockBody,
  expectedVersion: number | undefined,
  ctx: WriteContext,
): StockChange<{ stock: Stock; created: boolean }> => {
  if (!current) {
    if (expectedVersion !== undefined) {
      throw new PreconditionFailedError('No stock is recorded for this variant yet: create it without If-Match.', { currentVersion: null });
    }
    const stock: Stock = {
      ...target,
      onHand: input.onHand,
      reserved: 0,
      available: input.onHand,
      lowStockThreshold: input.lowStockThreshold ?? 0,
      version: 1,
      holds: [],
      restocked: [],
      createdAt: ctx.now,
      updatedAt: ctx.now,
    };
    return changed(undefined, stock, ctx, { kind: 'set' }, { stock, created: true });
  }
  if (expectedVersion === undefined) throw new PreconditionRequiredError('Replacing a stock count requires If-Match with the version last read.');
  checkVersion(current, expectedVersion);
  const lowStockThreshold = input.lowStockThreshold ?? current.lowStockThreshold;
  if (input.onHand === current.onHand && lowStockThreshold === current.lowStockThreshold) return unchanged({ stock: current, created: false });
  if (input.onHand < current.reserved) {
    throw insufficient(current, `${current.reserved} units are held for orders: on hand cannot be set below that.`, input.onHand);
  }
  const next = revise(current, { onHand: input.onHand, lowStockThreshold }, ctx.now);
  return changed(current, next, ctx, { kind: 'set' }, { stock: next, created: false });
};

/** inventory-adjust: a relative change of the count on hand; it may not take available below 0. */
export const adjustStock = (
  current: Stock | undefined,
  id: string,
  input: AdjustStockBody,
  expectedVersion: number | undefined,
  ctx: WriteContext,
): StockChange<Stock> => {
  if (!current) throw new NotFoundError('stock', id);
  checkVersion(current, expectedVersion);
  if (current.available + input.delta < 0) {
    throw insufficient(current, `Only ${current.available} units are available: the stock cannot be reduced by ${-input.delta}.`, -input.delta);
  }
  if (current.onHand + input.delta > MAX_QUANTITY) {
    throw new UnprocessableError(`On hand would exceed ${MAX_QUANTITY} units.`, 'quantity_too_large', { max: MAX_QUANTITY });
  }
  const next = revise(current, { onHand: current.onHand + input.delta }, ctx.now);
  return changed(current, next, ctx, { kind: 'adjusted', reason: input.reason }, next);
};

export type HoldResult = { held: true } | { held: false; available: number };

/** Holds `quantity` for an order, once: a second hold for the same order is a no-op that reports success. */
export const holdLine = (current: Stock | undefined, hold: Hold, ctx: WriteContext): StockChange<HoldResult> => {
  if (!current) return unchanged({ held: false, available: 0 });
  if (current.holds.some((h) => h.orderId === hold.orderId)) return unchanged({ held: true });
  if (current.available < hold.quantity) return unchanged({ held: false, available: current.available });
  const next = revise(current, { reserved: current.reserved + hold.quantity, holds: [...current.holds, hold] }, ctx.now);
  return changed(current, next, ctx, { kind: 'reserved', orderId: hold.orderId }, { held: true }, { minAvailable: hold.quantity, notHolding: hold.orderId });
};

const withoutHold = (stock: Stock, orderId: string): { hold?: Hold; holds: Hold[] } => ({
  hold: stock.holds.find((h) => h.orderId === orderId),
  holds: stock.holds.filter((h) => h.orderId !== orderId),
});

/** Gives an order's held units back to available; the units released (0 when it held none). */
export const releaseLine = (current: Stock | undefined, orderId: string, kind: 'released' | 'expired', ctx: WriteContext): StockChange<number> => {
  if (!current) return unchanged(0);
  const { hold, holds } = withoutHold(current, orderId);
  if (!hold) return unchanged(0);
  const next = revise(current, { reserved: current.reserved - hold.quantity, holds }, ctx.now);
  return changed(current, next, ctx, { kind, orderId }, hold.quantity);
};

/** The order is paid: its held units leave the warehouse (on hand and reserved both drop; available stays). */
export const commitLine = (current: Stock | undefined, orderId: string, ctx: WriteContext): StockChange<boolean> => {
  if (!current) return unchanged(false);
  const { hold, holds } = withoutHold(current, orderId);
  if (!hold) return unchanged(false);
  const next = revise(current, { onHand: current.onHand - hold.quantity, reserved: current.reserved - hold.quantity, holds }, ctx.now);
  return changed(current, next, ctx, { kind: 'committed', orderId }, true);
};

/**
 * A paid order is cancelled before it shipped: its units go back on the shelf. A line still held
 * (its commit never ran) is released; a committed one goes back on hand. Either way the order
 * enters the ledger, so the same line is never put back twice.
 */
export const restockLine = (
  current: Stock | undefined,
  line: { orderId: string; quantity: number },
  ctx: WriteContext,
): StockChange<'released' | 'restocked' | 'already' | 'missing'> => {
  if (!current) return unchanged('missing');
  if (current.restocked.includes(line.orderId)) return unchanged('already');
  const restocked = [...current.restocked, line.orderId].slice(-LEDGER_SIZE);
  const { hold, holds } = withoutHold(current, line.orderId);
  if (hold) {
    const next = revise(current, { reserved: current.reserved - hold.quantity, holds, restocked }, ctx.now);
    return changed(current, next, ctx, { kind: 'released', orderId: line.orderId }, 'released');
  }
  const next = revise(current, { onHand: current.onHand + line.quantity, restocked }, ctx.now);
  return changed(current, next, ctx, { kind: 'restocked', orderId: line.orderId }, 'restocked');
};

// ---------------------------------------------------------------------------------------------
// Reservations: one document per order.

/**
 * A step claims the reservation first, by moving it to its working state (`holding`,
 * `committing`, `restocking`, `releasing`, `expiring`) in a conditional write, and only then
 * touches stock line by line; it ends by moving it to where it leaves it. So two steps of one
 * order can never both act on its stock from the same state, and a redelivery after a crash
 * finds the step half done and finishes it.
 */
export const RESERVATION_STATUSES = [
  'holding',
  'reserved',
  'rejected',
  'committing',
  'committed',
  'restocking',
  'restocked',
  'releasing',
  'released',
  'expiring',
  'expired',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface ReservationLine {
  productId: string;
  sku: string;
  quantity: number;
}

export interface Reservation {
  orderId: string;
  tenantId: string;
  buyerId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  expiresAt: Date;
  /** Held again for a confirmed order whose first hold had expired. */
  rehold: boolean;
  /** The checkout's correlation id, so the expiry sweep's event joins the order's flow. */
  correlationId?: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type CheckoutTerms = z.infer<typeof checkoutTerms>;
export type Unavailable = z.infer<typeof reservationRejected.schema>['unavailable'][number];

/** One line per variant (an order naming a variant twice holds the sum), in a fixed order. */
export const mergeLines = (lines: readonly ReservationLine[]): ReservationLine[] => {
  const merged = new Map<string, ReservationLine>();
  for (const { productId, sku, quantity } of lines) {
    const key = stockId(productId, sku);
    const seen = merged.get(key);
    merged.set(key, { productId, sku, quantity: (seen?.quantity ?? 0) + quantity });
  }
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, line]) => line);
};

export const openReservation = (
  order: { tenantId: string; orderId: string; buyerId: string; lines: readonly ReservationLine[] },
  status: 'holding' | 'released',
  now: Date,
  ttlMs: number,
  rehold = false,
  correlationId?: string,
): Reservation => ({
  orderId: order.orderId,
  tenantId: order.tenantId,
  buyerId: order.buyerId,
  status,
  lines: mergeLines(order.lines),
  expiresAt: new Date(now.getTime() + ttlMs),
  rehold,
  ...(correlationId ? { correlationId } : {}),
  version: 1,
  createdAt: now,
  updatedAt: now,
});

export const advance = (
  reservation: Reservation,
  status: ReservationStatus,
  now: Date,
  patch: Partial<Pick<Reservation, 'expiresAt' | 'rehold'>> = {},
): Reservation => ({
  ...reservation,
  ...patch,
  status,
  version: reservation.version + 1,
  updatedAt: now,
});

export type SagaTrigger = 'created' | 'confirmed' | 'cancelled' | 'expiry';

/**
 * What a trigger does to a reservation in each state:
 * - `open`: insert it (holding) and hold every line; `hold`: finish holding after a crash;
 * - `sweep`: the order is settled without stock: release any hold a step that lost the race left;
 * - `commit`: commit every held line; `reopen`: hold again (the first hold expired, or was never
 *   seen) and commit; `rehold`: finish that after a crash;
 * - `release`: give every hold back; `close`: mark it released with nothing held (it expired);
 *   `restock`: put a paid order's units back; `tombstone`: a cancel before the order was seen,
 *   recorded so a late order.created holds nothing;
 * - `expire`: its time is up, release and tell the order;
 * - `wait`: another step of the order is under way and decides what this one means: retry later;
 * - `none`: nothing left to do (a redelivery, or an event that no longer applies).
 */
export type SagaStep = 'open' | 'hold' | 'sweep' | 'commit' | 'reopen' | 'rehold' | 'release' | 'close' | 'restock' | 'tombstone' | 'expire' | 'wait' | 'none';

const settledWithoutStock = (status: ReservationStatus): boolean => status === 'released' || status === 'rejected' || status === 'expired';

export const stepFor = (trigger: SagaTrigger, reservation: Reservation | undefined, now: Date): SagaStep => {
  if (!reservation) return trigger === 'created' ? 'open' : trigger === 'confirmed' ? 'reopen' : trigger === 'cancelled' ? 'tombstone' : 'none';
  const { status } = reservation;
  switch (trigger) {
    case 'created':
      if (status === 'holding') return reservation.rehold ? 'none' : 'hold';
      if (status === 'releasing' || status === 'expiring') return 'wait';
      return settledWithoutStock(status) ? 'sweep' : 'none';
    case 'confirmed':
      if (status === 'expired') return 'reopen';
      if (status === 'holding') return 'rehold';
      if (status === 'reserved' || status === 'committing') return 'commit';
      if (status === 'releasing' || status === 'expiring') return 'wait';
      return status === 'released' || status === 'rejected' ? 'sweep' : 'none';
    case 'cancelled':
      if (status === 'holding' || status === 'reserved' || status === 'releasing') return 'release';
      if (status === 'expired') return 'close';
      if (status === 'expiring') return 'wait';
      return status === 'committing' || status === 'committed' || status === 'restocking' ? 'restock' : 'none';
    case 'expiry':
      if (status === 'expiring') return 'expire';
      return (status === 'holding' || status === 'reserved') && reservation.expiresAt.getTime() <= now.getTime() ? 'expire' : 'none';
  }
};

const reservationEnvelope = (reservation: Reservation, ctx: WriteContext) => ({
  subject: reservation.orderId,
  tenantId: reservation.tenantId,
  source: ctx.source,
  ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
  ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
});

export const reservedEvent = (reservation: Reservation, checkout: CheckoutTerms, ctx: WriteContext): OutboxEntry =>
  reservationReserved.create({
    ...reservationEnvelope(reservation, ctx),
    data: {
      orderId: reservation.orderId,
      buyerId: reservation.buyerId,
      lines: reservation.lines,
      expiresAt: reservation.expiresAt.toISOString(),
      checkout,
    },
  });

export const rejectedEvent = (reservation: Reservation, reason: 'out_of_stock' | 'expired', unavailable: Unavailable[], ctx: WriteContext): OutboxEntry =>
  reservationRejected.create({
    ...reservationEnvelope(reservation, ctx),
    data: { orderId: reservation.orderId, buyerId: reservation.buyerId, reason, unavailable },
  });
