import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { LedgerEntry } from './rules';
import type { ReviewStatus } from './schemas';

/** A review and its outbox (`review` database, `reviews`); `_id` is the review id (UUIDv7). */
export interface ReviewDocument {
  _id: string;
  tenantId: string;
  productId: string;
  buyerId: string;
  rating: number;
  title: string | null;
  body: string;
  status: ReviewStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  moderation: { at: Date; by: string; note: string | null } | null;
  outbox: OutboxEntry[];
}

/** A buyer may review a product: they received it. `_id` is rules.eligibilityIdOf. */
export interface EligibilityDocument {
  _id: string;
  tenantId: string;
  buyerId: string;
  productId: string;
  /** The first delivered order that carried the product. */
  orderId: string;
  deliveredAt: Date;
}

/** A product's rating aggregate with its ledger and outbox (`ratings`); `_id` is rules.ratingIdOf. */
export interface RatingDocument {
  _id: string;
  tenantId: string;
  productId: string;
  sum: number;
  count: number;
  version: number;
  rev: number;
  ledger: LedgerEntry[];
  outbox: OutboxEntry[];
}

/** Built on first use, so a request that never touches Mongo never loads mongoose. */
const buildReviewSchema = (): Schema<ReviewDocument> => {
  const { Schema } = mongooseLib();
  const moderation = new Schema(
    { at: { type: Date, required: true }, by: { type: String, required: true }, note: { type: String, default: null } },
    { _id: false },
  );
  const schema = new Schema<ReviewDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      productId: { type: String, required: true },
      buyerId: { type: String, required: true },
      rating: { type: Number, required: true },
      title: { type: String, default: null },
      body: { type: String, required: true },
      status: { type: String, required: true },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      moderation: { type: moderation, default: null },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'reviews', versionKey: false, strict: 'throw' },
  );
  // One review per buyer and product: enforced by the database (FerretDB enforces compound unique indexes too).
  schema.index({ tenantId: 1, productId: 1, buyerId: 1 }, { unique: true, name: 'one_review_per_buyer_and_product' });
  schema.index({ tenantId: 1, productId: 1, status: 1, _id: -1 });
  schema.plugin(tenantScopePlugin);
  return schema;
};

const buildEligibilitySchema = (): Schema<EligibilityDocument> => {
  const { Schema } = mongooseLib();
  const schema = new Schema<EligibilityDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      buyerId: { type: String, required: true },
      productId: { type: String, required: true },
      orderId: { type: String, required: true },
      deliveredAt: { type: Date, required: true },
    },
    { collection: 'eligibilities', versionKey: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

const buildRatingSchema = (): Schema<RatingDocument> => {
  const { Schema } = mongooseLib();
  const entry = new Schema<LedgerEntry>(
    {
      reviewId: { type: String, required: true },
      version: { type: Number, required: true },
      counted: { type: Boolean, required: true },
      rating: { type: Number, required: true },
    },
    { _id: false },
  );
  const schema = new Schema<RatingDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      productId: { type: String, required: true },
      sum: { type: Number, required: true },
      count: { type: Number, required: true },
      version: { type: Number, required: true },
      rev: { type: Number, required: true },
      ledger: { type: [entry], default: [] },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'ratings', versionKey: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

let reviewSchema: Schema<ReviewDocument> | undefined;
let eligibilitySchema: Schema<EligibilityDocument> | undefined;
let ratingSchema: Schema<RatingDocument> | undefined;

export const reviewModel = (db: Connection): Model<ReviewDocument> =>
  (db.models.Review as Model<ReviewDocument> | undefined) ?? db.model<ReviewDocument>('Review', (reviewSchema ??= buildReviewSchema()));

export const eligibilityModel = (db: Connection): Model<EligibilityDocument> =>
  (db.models.Eligibility as Model<EligibilityDocument> | undefined) ??
  db.model<EligibilityDocument>('Eligibility', (eligibilitySchema ??= buildEligibilitySchema()));

export const ratingModel = (db: Connection): Model<RatingDocument> =>
  (db.models.Rating as Model<RatingDocument> | undefined) ?? db.model<RatingDocument>('Rating', (ratingSchema ??= buildRatingSchema()));
