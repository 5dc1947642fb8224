import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { pushOutbox, type OutboxEntry } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import { orderModel, toOrder, type OrderDocument } from './model';
import type { Order } from './schemas';
import type { OrderState } from './states';

/** The orders write-model port: every call is scoped to one tenant. */
export interface OrderStore {
  /** Writes a new order and its events in one document write. */
  insert(order: Order, events: OutboxEntry[]): Promise<void>;
  get(tenantId: string, id: string): Promise<Order | undefined>;
  /**
   * Writes `next` (its state and the fields a transition sets) and its events in one document
   * write, only if the stored order is still in `expected` state and version; false otherwise.
   */
  transition(next: Order, expected: { state: OrderState; version: number }, events: OutboxEntry[]): Promise<boolean>;
}

/** What a transition may change; everything else of an order is fixed when it is placed. */
const mutable = (order: Order) => ({
  state: order.state,
  version: order.version,
  paymentId: order.paymentId,
  reservation: order.reservation,
  cancellation: order.cancellation,
  updatedAt: new Date(order.updatedAt),
});

/**
 * Every update runs under the document lock: the outbox relay updates the same document, and
 * FerretDB does not make two concurrent updates of one document atomic. The filter on state
 * and version makes each transition conditional on what it was decided from.
 */
export const mongoOrderStore = (model: Model<OrderDocument>, lockDocument: DocumentLock = withDocumentLock): OrderStore => ({
  async insert(order, events) {
    const { id, createdAt, updatedAt, ...rest } = order;
    await model.create({ ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt), outbox: events });
  },
  async get(tenantId, id) {
    const doc = await model.findOne({ _id: id, tenantId }).lean<OrderDocument>();
    return doc ? toOrder(doc) : undefined;
  },
  async transition(next, expected, events) {
    const result = await lockDocument(model.collection.collectionName, next.id, () =>
      model.updateOne(
        { _id: next.id, tenantId: next.tenantId, state: expected.state, version: expected.version },
        { $set: mutable(next), ...pushOutbox(...events) },
      ),
    );
    return result.matchedCount === 1;
  },
});

export const orderStore = async (): Promise<OrderStore> => mongoOrderStore(orderModel(await serviceDb('orders')));
