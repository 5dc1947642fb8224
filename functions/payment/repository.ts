import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { ConflictError, ServiceUnavailableError } from '../../layers/errors';
import { pushOutbox } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import { paymentModel, storedFields, toRecord, type PaymentDocument } from './model';
import type { PaymentRecord, Transition } from './rules';

/** The payments store port: every call is scoped to one tenant; `_id` is the order id. */
export interface PaymentStore {
  get(tenantId: string, orderId: string): Promise<PaymentRecord | undefined>;
  /**
   * Reads the payment, lets `transition` decide (it may throw to refuse), and writes the next
   * record with its events in ONE conditional document write: a create, or an update whose filter
   * pins the version and status read. A lost race re-reads and decides again.
   */
  change<T>(tenantId: string, orderId: string, transition: (current: PaymentRecord | undefined) => Transition<T>): Promise<T>;
}

const MAX_ATTEMPTS = 5;
const DUPLICATE_KEY = 11000;

type Attempt<T> = { done: true; result: T; published: boolean } | { done: false; duplicate: boolean };

/**
 * On FerretDB the read-decide-write runs under the document lock (its updates of one document
 * are not atomic against each other, nor against the relay's `$pullAll`); on MongoDB the lock
 * is skipped and the version filter alone makes the write conditional.
 */
export const mongoPaymentStore = (model: Model<PaymentDocument>, options: { lock?: DocumentLock; nudge?: (orderId: string) => void } = {}): PaymentStore => {
  const lock = options.lock ?? withDocumentLock;
  const read = async (tenantId: string, orderId: string) => {
    const doc = await model.findOne({ _id: orderId, tenantId }).lean<PaymentDocument>();
    return doc ? toRecord(doc) : undefined;
  };

  const attempt = async <T>(tenantId: string, orderId: string, transition: (current: PaymentRecord | undefined) => Transition<T>): Promise<Attempt<T>> => {
    const current = await read(tenantId, orderId);
    const { next, events, result } = transition(current);
    if (!next) return { done: true, result, published: false };
    if (!current) {
      try {
        await model.create({ _id: next.id, tenantId, ...storedFields(next), outbox: events });
      } catch (error) {
        if ((error as { code?: number }).code === DUPLICATE_KEY) return { done: false, duplicate: true };
        throw error;
      }
    } else {
      const written = await model.updateOne(
        { _id: orderId, tenantId, version: current.version, status: current.status },
        { $set: storedFields(next), ...pushOutbox(...events) },
      );
      if (written.matchedCount !== 1) return { done: false, duplicate: false };
    }
    return { done: true, result, published: events.length > 0 };
  };

  return {
    get: read,
    async change(tenantId, orderId, transition) {
      for (let round = 0; round < MAX_ATTEMPTS; round += 1) {
        const outcome = await lock(model.collection.collectionName, orderId, () => attempt(tenantId, orderId, transition));
        if (outcome.done) {
          if (outcome.published) options.nudge?.(orderId);
          return outcome.result;
        }
        // A create that collides on every round is an order id another tenant holds.
        if (outcome.duplicate && round === MAX_ATTEMPTS - 1) throw new ConflictError(`Payment ${orderId} cannot be written.`, 'payment_id_conflict');
      }
      throw new ServiceUnavailableError(`The payment of order ${orderId} is busy; retry shortly.`, 'payment_busy');
    },
  };
};

export const paymentStore = async (nudge?: (orderId: string) => void): Promise<PaymentStore> =>
  mongoPaymentStore(paymentModel(await serviceDb('payment')), nudge ? { nudge } : {});
