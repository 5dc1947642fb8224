import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { pushOutbox, type OutboxEntry } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import { eligibilityModel, ratingModel, reviewModel, type EligibilityDocument, type RatingDocument, type ReviewDocument } from './model';
import { eligibilityIdOf, emptyRating, ratingIdOf, type RatingState, type StoredReview } from './rules';
import type { ReviewStatus } from './schemas';

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown): boolean => (error as { code?: number }).code === DUPLICATE_KEY;

export interface ReviewFilter {
  productId?: string;
  status?: ReviewStatus;
}

/** The reviews port: every call is scoped to one tenant. */
export interface ReviewStore {
  /** Inserts the review and its events; false when the buyer has reviewed the product already (unique index). */
  insert(review: StoredReview, events: OutboxEntry[]): Promise<boolean>;
  get(tenantId: string, id: string): Promise<StoredReview | undefined>;
  findByAuthor(tenantId: string, buyerId: string, productId: string): Promise<StoredReview | undefined>;
  /** Writes `review` and its events in one document write if the stored version is still `expectedVersion`. */
  replace(review: StoredReview, expectedVersion: number, events: OutboxEntry[]): Promise<boolean>;
  /** Newest first: ids sorting before `before`. */
  list(tenantId: string, filter: ReviewFilter, page: { before?: string; limit: number }): Promise<StoredReview[]>;
}

/** Purchase eligibility: who received which product. */
export interface EligibilityStore {
  /** Records that `buyerId` received `productId` (idempotent: the first order is kept). */
  record(entry: { tenantId: string; buyerId: string; productId: string; orderId: string; deliveredAt: Date }): Promise<void>;
  has(tenantId: string, buyerId: string, productId: string): Promise<boolean>;
}

/** The rating aggregates: compare-and-set on `rev`, events in the same write. */
export interface RatingStore {
  /** The product's aggregate, or an empty one (rev 0) when it has none yet. */
  get(tenantId: string, productId: string): Promise<RatingState>;
  /** Writes `next` (and its events) if the stored rev is still `next.rev - 1`; false when another write came first. */
  write(tenantId: string, next: RatingState, events: OutboxEntry[]): Promise<boolean>;
}

const toStored = (doc: ReviewDocument): StoredReview => ({
  id: doc._id,
  tenantId: doc.tenantId,
  productId: doc.productId,
  buyerId: doc.buyerId,
  rating: doc.rating,
  title: doc.title ?? null,
  body: doc.body,
  status: doc.status,
  version: doc.version,
  createdAt: new Date(doc.createdAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
  moderation: doc.moderation ? { at: new Date(doc.moderation.at).toISOString(), by: doc.moderation.by, note: doc.moderation.note ?? null } : null,
});

const toDocument = ({ id, createdAt, updatedAt, moderation, ...rest }: StoredReview): Omit<ReviewDocument, 'outbox'> => ({
  ...rest,
  _id: id,
  createdAt: new Date(createdAt),
  updatedAt: new Date(updatedAt),
  moderation: moderation ? { ...moderation, at: new Date(moderation.at) } : null,
});

/**
 * Every update of a review runs under the document lock: the outbox relay updates the same
 * document, and FerretDB does not make two concurrent updates of one document atomic.
 */
export const mongoReviewStore = (model: Model<ReviewDocument>, lockDocument: DocumentLock = withDocumentLock): ReviewStore => ({
  async insert(review, events) {
    try {
      await model.create({ ...toDocument(review), outbox: events });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  },
  async get(tenantId, id) {
    const doc = await model.findOne({ _id: id, tenantId }).lean<ReviewDocument>();
    return doc ? toStored(doc) : undefined;
  },
  async findByAuthor(tenantId, buyerId, productId) {
    const doc = await model.findOne({ tenantId, productId, buyerId }).lean<ReviewDocument>();
    return doc ? toStored(doc) : undefined;
  },
  async replace(review, expectedVersion, events) {
    const { _id, tenantId, ...fields } = toDocument(review);
    const result = await lockDocument(model.collection.collectionName, _id, () =>
      model.updateOne({ _id, tenantId, version: expectedVersion }, { $set: fields, ...pushOutbox(...events) }),
    );
    return result.matchedCount === 1;
  },
  async list(tenantId, filter, { before, limit }) {
    const query: Record<string, unknown> = { tenantId };
    if (filter.productId) query.productId = filter.productId;
    if (filter.status) query.status = filter.status;
    if (before) query._id = { $lt: before };
    const docs = await model.find(query, { outbox: 0 }).sort({ _id: -1 }).limit(limit).lean<ReviewDocument[]>();
    return docs.map(toStored);
  },
});

export const mongoEligibilityStore = (model: Model<EligibilityDocument>): EligibilityStore => ({
  async record({ tenantId, buyerId, productId, orderId, deliveredAt }) {
    const _id = eligibilityIdOf(tenantId, buyerId, productId);
    const write = () => model.updateOne({ _id, tenantId }, { $setOnInsert: { buyerId, productId, orderId, deliveredAt } }, { upsert: true });
    // Two deliveries racing to insert: the loser's upsert hits the key and, run again, matches.
    await write().catch((error: unknown) => (isDuplicateKey(error) ? write() : Promise.reject(error)));
  },
  async has(tenantId, buyerId, productId) {
    return (await model.exists({ _id: eligibilityIdOf(tenantId, buyerId, productId), tenantId })) !== null;
  },
});

const toRating = (doc: RatingDocument): RatingState => ({
  productId: doc.productId,
  sum: doc.sum,
  count: doc.count,
  version: doc.version,
  rev: doc.rev,
  ledger: doc.ledger.map(({ reviewId, version, counted, rating }) => ({ reviewId, version, counted, rating })),
});

export const mongoRatingStore = (model: Model<RatingDocument>, lockDocument: DocumentLock = withDocumentLock): RatingStore => ({
  async get(tenantId, productId) {
    const doc = await model.findOne({ _id: ratingIdOf(tenantId, productId), tenantId }, { outbox: 0 }).lean<RatingDocument>();
    return doc ? toRating(doc) : emptyRating(productId);
  },
  async write(tenantId, next, events) {
    const _id = ratingIdOf(tenantId, next.productId);
    const { productId, sum, count, version, rev, ledger } = next;
    if (rev === 1) {
      try {
        await model.create({ _id, tenantId, productId, sum, count, version, rev, ledger, outbox: events });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    }
    const result = await lockDocument(model.collection.collectionName, _id, () =>
      model.updateOne({ _id, tenantId, rev: rev - 1 }, { $set: { sum, count, version, rev, ledger }, ...pushOutbox(...events) }),
    );
    return result.matchedCount === 1;
  },
});

let reviewIndexes: Promise<unknown> | undefined;

/** The review model once its indexes exist: the unique (buyer, product) index must be in place before the first insert. */
const readyReviewModel = async (): Promise<Model<ReviewDocument>> => {
  const model = reviewModel(await serviceDb('review'));
  await (reviewIndexes ??= model.init().catch((error: unknown) => {
    reviewIndexes = undefined;
    throw error;
  }));
  return model;
};

export const reviewStore = async (): Promise<ReviewStore> => mongoReviewStore(await readyReviewModel());
export const eligibilityStore = async (): Promise<EligibilityStore> => mongoEligibilityStore(eligibilityModel(await serviceDb('review')));
export const ratingStore = async (): Promise<RatingStore> => mongoRatingStore(ratingModel(await serviceDb('review')));
