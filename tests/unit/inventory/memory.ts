import type { OutboxEntry } from '../../../layers/events/outbox';
import type { ReservationStore, StockStore } from '../../../functions/inventory/repository';
import type { ReservationDeps } from '../../../functions/inventory/reservations';
import { stockId, type Reservation, type Stock } from '../../../functions/inventory/rules';

/** In-memory stock and reservation stores with the Mongo stores' semantics (conditional writes, outbox beside each document). */
/** A pause of 0–2 ms before each store call when `jitter` is on, so concurrent steps interleave. */
const pause = (jitter: boolean) => (jitter ? new Promise((resolve) => setTimeout(resolve, Math.random() * 2)) : Promise.resolve());

export const memoryStockStore = (jitter = false) => {
  const rows = new Map<string, { stock: Stock; outbox: OutboxEntry[] }>();
  const key = (tenantId: string, productId: string, sku: string) => `${tenantId}/${stockId(productId, sku)}`;
  let writes = 0;
  /** Throws on the write numbered `n` (1-based), to simulate a crash mid-step. */
  let failAt: number | undefined;
  const store: StockStore = {
    async get(tenantId, productId, sku) {
      await pause(jitter);
      return rows.get(key(tenantId, productId, sku))?.stock;
    },
    async update(tenantId, productId, sku, change) {
      await pause(jitter);
      const row = rows.get(key(tenantId, productId, sku));
      const planned = change(row?.stock);
      if (!planned.next) return planned.result;
      writes += 1;
      if (failAt === writes) throw new Error('crash');
      const current = row?.stock;
      if (planned.expect && current) {
        if (current.available < planned.expect.minAvailable || current.holds.some((h) => h.orderId === planned.expect!.notHolding)) throw new Error('guard');
      }
      rows.set(key(tenantId, productId, sku), { stock: planned.next, outbox: [...(row?.outbox ?? []), ...planned.events] });
      return planned.result;
    },
  };
  const seed = (stock: Partial<Stock> & Pick<Stock, 'tenantId' | 'productId' | 'sku' | 'onHand'>) => {
    const full: Stock = {
      reserved: 0,
      available: stock.onHand - (stock.reserved ?? 0),
      lowStockThreshold: 0,
      version: 1,
      holds: [],
      restocked: [],
      createdAt: new Date(0),
      updatedAt: new Date(0),
      ...stock,
    };
    rows.set(key(full.tenantId, full.productId, full.sku), { stock: full, outbox: [] });
    return full;
  };
  return {
    store,
    rows,
    seed,
    stockOf: (tenantId: string, productId: string, sku: string) => rows.get(key(tenantId, productId, sku))?.stock,
    outboxOf: (tenantId: string, productId: string, sku: string) => rows.get(key(tenantId, productId, sku))?.outbox ?? [],
    failOnWrite: (n: number | undefined) => {
      failAt = n === undefined ? undefined : writes + n;
    },
  };
};

export const memoryReservationStore = (jitter = false) => {
  const rows = new Map<string, { reservation: Reservation; outbox: OutboxEntry[] }>();
  const key = (tenantId: string, orderId: string) => `${tenantId}/${orderId}`;
  const store: ReservationStore = {
    async get(tenantId, orderId) {
      await pause(jitter);
      return rows.get(key(tenantId, orderId))?.reservation;
    },
    async insert(reservation, events) {
      await pause(jitter);
      if (rows.has(key(reservation.tenantId, reservation.orderId))) return false;
      rows.set(key(reservation.tenantId, reservation.orderId), { reservation, outbox: [...events] });
      return true;
    },
    async replace(next, expectedVersion, events) {
      await pause(jitter);
      const row = rows.get(key(next.tenantId, next.orderId));
      if (!row || row.reservation.version !== expectedVersion) return false;
      rows.set(key(next.tenantId, next.orderId), { reservation: next, outbox: [...row.outbox, ...events] });
      return true;
    },
    async due(now, limit) {
      return [...rows.values()]
        .map((row) => row.reservation)
        .filter((r) => ['holding', 'reserved', 'expiring'].includes(r.status) && r.expiresAt.getTime() <= now.getTime())
        .slice(0, limit)
        .map((r) => ({ tenantId: r.tenantId, orderId: r.orderId }));
    },
  };
  return {
    store,
    rows,
    reservationOf: (tenantId: string, orderId: string) => rows.get(key(tenantId, orderId))?.reservation,
    outboxOf: (tenantId: string, orderId: string) => rows.get(key(tenantId, orderId))?.outbox ?? [],
  };
};

/** Saga deps over the memory stores, with a clock the test moves; with `jitter`, no order lock and interleaved calls. */
export const memorySaga = (ttlMs = 900_000, jitter = false) => {
  const stock = memoryStockStore(jitter);
  const reservations = memoryReservationStore(jitter);
  const clock = { now: new Date('2026-11-25T10:00:00.000Z') };
  const deps: ReservationDeps = {
    stock: stock.store,
    reservations: reservations.store,
    now: () => clock.now,
    ttlMs,
    lockOrder: (_tenantId, _orderId, work) => work(),
  };
  return { deps, stock, reservations, clock, advance: (ms: number) => void (clock.now = new Date(clock.now.getTime() + ms)) };
};
