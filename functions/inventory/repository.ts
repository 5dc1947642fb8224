import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { ConflictError, ServiceUnavailableError } from '../../layers/errors';
import { nudgeOutbox, pushOutbox, type OutboxEntry } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import { reservationModel, stockModel, toReservation, toStock, type ReservationDocument, type StockDocument } from './model';
import { stockId, type Reservation, type Stock, type StockChange } from './rules';

/** The stock store port: every call is scoped to one tenant. */
export interface StockStore {
  get(tenantId: string, productId: string, sku: string): Promise<Stock | undefined>;
  /**
   * Reads the variant's stock, asks `change` for the next state, and writes it with its events
   * in one conditional document write (on the version read, and on `change.expect`). `change`
   * must be pure: it runs again when the write finds the document changed.
   */
  update<R>(tenantId: string, productId: string, sku: string, change: (current: Stock | undefined) => StockChange<R>): Promise<R>;
}

/** The reservation store port: every call but `due` is scoped to one tenant. */
export interface ReservationStore {
  get(tenantId: string, orderId: string): Promise<Reservation | undefined>;
  /** Inserts a new reservation with its events; false when the order already has one. */
  insert(reservation: Reservation, events: OutboxEntry[]): Promise<boolean>;
  /** Writes `next` and its events if the stored one is still at `expectedVersion`; false when it is not. */
  replace(next: Reservation, expectedVersion: number, events: OutboxEntry[]): Promise<boolean>;
  /** Reservations of any tenant still holding stock past their expiry (or whose expiry crashed half way), at most `limit`. */
  due(now: Date, limit: number): Promise<{ tenantId: string; orderId: string }[]>;
}

const DUPLICATE_KEY = 11000;
const isDuplicate = (error: unknown): boolean => (error as { code?: number }).code === DUPLICATE_KEY;

/** Writes of one stock update that find the document changed: under the lock the first matches; without it (MongoDB) a race retries. */
const MAX_CONFLICTS = 20;

const isBusy = (error: unknown): boolean => error instanceof ServiceUnavailableError && error.code === 'document_busy';

const stockFields = (stock: Stock): Omit<StockDocument, '_id' | 'outbox' | 'tenantId' | 'createdAt'> => ({
  productId: stock.productId,
  sku: stock.sku,
  onHand: stock.onHand,
  reserved: stock.reserved,
  available: stock.available,
  lowStockThreshold: stock.lowStockThreshold,
  version: stock.version,
  holds: stock.holds,
  restocked: stock.restocked,
  updatedAt: stock.updatedAt,
});

/**
 * Every write of a stock document runs under its document lock (FerretDB does not make two
 * concurrent updates of one document atomic, and the relay pulls the outbox of the same
 * document) and is conditional on the version read, on MongoDB too. A hold is additionally
 * conditional on `available >= quantity` and on the order holding nothing yet, in the same
 * write: stock cannot go below zero, nor be held twice for one order, even if the lock lapsed.
 *
 * A change that writes nothing on what is stored now (a hold of a sold-out variant, a release
 * of nothing, a refused adjustment) is answered from an unlocked read, and a waiter looks again
 * each time its turn at the lock does not come within `lockDocument`'s wait: when a hot variant
 * sells out, the orders queued behind it are answered then, not one by one under the lock.
 * `waitMs` bounds the whole wait.
 */
export const mongoStockStore = (model: Model<StockDocument>, lockDocument: DocumentLock = withDocumentLock, waitMs = 30_000): StockStore => {
  const collection = model.collection.collectionName;

  const read = async (tenantId: string, id: string): Promise<Stock | undefined> => {
    // The outbox is only the relay's business: not read, however long it grew.
    const doc = await model.findOne({ _id: id, tenantId }, { outbox: 0 }).lean<StockDocument>();
    return doc ? toStock(doc) : undefined;
  };

  const write = async <R>(id: string, current: Stock | undefined, change: StockChange<R>): Promise<boolean> => {
    const next = change.next!;
    if (!current) {
      try {
        await model.create({ _id: id, tenantId: next.tenantId, createdAt: next.createdAt, ...stockFields(next), outbox: change.events });
        return true;
      } catch (error) {
        if (isDuplicate(error)) return false;
        throw error;
      }
    }
    const guard = change.expect ? { available: { $gte: change.expect.minAvailable }, 'holds.orderId': { $ne: change.expect.notHolding } } : {};
    const result = await model.updateOne(
      { _id: id, tenantId: current.tenantId, version: current.version, ...guard },
      { $set: stockFields(next), ...pushOutbox(...change.events) },
    );
    return result.matchedCount === 1;
  };

  return {
    get: (tenantId, productId, sku) => read(tenantId, stockId(productId, sku)),
    async update<R>(tenantId: string, productId: string, sku: string, change: (current: Stock | undefined) => StockChange<R>): Promise<R> {
      const id = stockId(productId, sku);
      const deadline = Date.now() + waitMs;
      let conflicts = 0;
      for (;;) {
        const preview = change(await read(tenantId, id));
        if (!preview.next) return preview.result;
        let outcome: { done: boolean; planned: StockChange<R>; created: boolean };
        try {
          outcome = await lockDocument(collection, id, async () => {
            const current = await read(tenantId, id);
            const planned = change(current);
            if (!planned.next) return { done: true, planned, created: false };
            return { done: await write(id, current, planned), planned, created: !current };
          });
        } catch (error) {
          if (isBusy(error) && Date.now() < deadline) continue;
          throw error;
        }
        if (outcome.done) {
          if (outcome.planned.events.length > 0) nudgeOutbox({ service: 'inventory', collection, id });
          return outcome.planned.result;
        }
        conflicts += 1;
        // A create that lost to another tenant's document of the same id would lose forever.
        if (outcome.created && conflicts > 1) throw new ConflictError(`Stock ${id} cannot be created.`, 'stock_conflict');
        if (conflicts >= MAX_CONFLICTS) throw new ServiceUnavailableError(`The stock of ${id} is changing too fast; retry shortly.`, 'document_busy');
      }
    },
  };
};

const reservationFields = (r: Reservation): Pick<ReservationDocument, 'status' | 'expiresAt' | 'rehold' | 'version' | 'updatedAt'> => ({
  status: r.status,
  expiresAt: r.expiresAt,
  rehold: r.rehold,
  version: r.version,
  updatedAt: r.updatedAt,
});

/** Reservation writes run under the document lock too: the relay pulls their outbox. */
export const mongoReservationStore = (model: Model<ReservationDocument>, lockDocument: DocumentLock = withDocumentLock): ReservationStore => {
  const collection = model.collection.collectionName;
  const nudge = (id: string, events: OutboxEntry[]) => {
    if (events.length > 0) nudgeOutbox({ service: 'inventory', collection, id });
  };
  return {
    async get(tenantId, orderId) {
      const doc = await model.findOne({ _id: orderId, tenantId }).lean<ReservationDocument>();
      return doc ? toReservation(doc) : undefined;
    },
    async insert(r, events) {
      try {
        await model.create({
          _id: r.orderId,
          tenantId: r.tenantId,
          buyerId: r.buyerId,
          lines: r.lines,
          ...(r.correlationId ? { correlationId: r.correlationId } : {}),
          createdAt: r.createdAt,
          ...reservationFields(r),
          outbox: events,
        });
      } catch (error) {
        if (isDuplicate(error)) return false;
        throw error;
      }
      nudge(r.orderId, events);
      return true;
    },
    async replace(next, expectedVersion, events) {
      const result = await lockDocument(collection, next.orderId, () =>
        model.updateOne({ _id: next.orderId, tenantId: next.tenantId, version: expectedVersion }, { $set: reservationFields(next), ...pushOutbox(...events) }),
      );
      if (result.matchedCount !== 1) return false;
      nudge(next.orderId, events);
      return true;
    },
    async due(now, limit) {
      // Across tenants on purpose: the expiry sweep serves every tenant; each reservation found is then handled in its own tenant.
      const docs = await model
        .find({ status: { $in: ['holding', 'reserved', 'expiring'] }, expiresAt: { $lte: now } }, { _id: 1, tenantId: 1 })
        .setOptions({ crossTenant: true })
        .limit(limit)
        .lean<Pick<ReservationDocument, '_id' | 'tenantId'>[]>();
      return docs.map((doc) => ({ tenantId: doc.tenantId, orderId: doc._id }));
    },
  };
};

export const stockStore = async (lock?: DocumentLock, waitMs?: number): Promise<StockStore> =>
  mongoStockStore(stockModel(await serviceDb('inventory')), lock, waitMs);

export const reservationStore = async (): Promise<ReservationStore> => mongoReservationStore(reservationModel(await serviceDb('inventory')));
