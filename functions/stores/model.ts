import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { StoreState } from './rules';
import type { Theme } from './schemas';

/** The stored store: its state, the key that makes slugs unique per tenant, and its outbox. */
export interface StoreDocument extends Omit<StoreState, 'id' | 'createdAt' | 'updatedAt' | 'domainVerifiedAt'> {
  _id: string;
  /**
   * `slug`, or `#<id>` for a store without one: FerretDB has no partial or sparse index, so a
   * unique `{ tenantId, slug }` index would allow one slug-less store per tenant.
   */
  slugKey: string;
  domainVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

/**
 * A custom domain's owner, platform-wide: `_id` is the domain, so the claim is one indexed
 * insert and two tenants can never hold the same domain (duplicate key). It carries the owning
 * tenant like every document; reads across tenants are explicit (repository.ts).
 */
export interface DomainClaimDocument {
  _id: string;
  tenantId: string;
  storeId: string;
  claimedAt: Date;
}

export const slugKeyOf = (s: Pick<StoreState, 'id' | 'slug'>): string => s.slug ?? `#${s.id}`;

/** Built on first use, so a request that never touches Mongo never loads mongoose. */
const buildStoreSchema = (): Schema<StoreDocument> => {
  const { Schema } = mongooseLib();
  const colorsSchema = new Schema(
    {
      primary: { type: String, required: true },
      secondary: { type: String, required: true },
      background: { type: String, required: true },
      text: { type: String, required: true },
    },
    { _id: false, strict: 'throw' },
  );
  const themeSchema = new Schema<Theme>(
    {
      colors: { type: colorsSchema, required: true },
      font: { type: String, required: true },
      logoUrl: { type: String, default: null },
      layout: { type: String, required: true },
    },
    { _id: false, minimize: false, strict: 'throw' },
  );

  const storeSchema = new Schema<StoreDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      name: { type: String, required: true },
      slug: { type: String, default: null },
      slugKey: { type: String, required: true },
      theme: { type: themeSchema, required: true },
      domain: { type: String, default: null },
      domainVerified: { type: Boolean, required: true },
      domainVerifiedAt: { type: Date, default: null },
      challengeToken: { type: String, default: null },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'stores', versionKey: false, minimize: false, strict: 'throw' },
  );

  storeSchema.index({ tenantId: 1, _id: 1 });
  storeSchema.index({ tenantId: 1, slugKey: 1 }, { unique: true });
  storeSchema.plugin(tenantScopePlugin);
  return storeSchema;
};

const buildDomainClaimSchema = (): Schema<DomainClaimDocument> => {
  const { Schema } = mongooseLib();
  const schema = new Schema<DomainClaimDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      storeId: { type: String, required: true },
      claimedAt: { type: Date, required: true },
    },
    { collection: 'domains', versionKey: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

let storeSchema: Schema<StoreDocument> | undefined;
let domainClaimSchema: Schema<DomainClaimDocument> | undefined;

export const storeModel = (db: Connection): Model<StoreDocument> =>
  (db.models.Store as Model<StoreDocument> | undefined) ?? db.model<StoreDocument>('Store', (storeSchema ??= buildStoreSchema()));

export const domainClaimModel = (db: Connection): Model<DomainClaimDocument> =>
  (db.models.DomainClaim as Model<DomainClaimDocument> | undefined) ??
  db.model<DomainClaimDocument>('DomainClaim', (domainClaimSchema ??= buildDomainClaimSchema()));

export const toStoreState = (doc: StoreDocument): StoreState => ({
  id: doc._id,
  tenantId: doc.tenantId,
  name: doc.name,
  slug: doc.slug ?? null,
  theme: {
    colors: {
      primary: doc.theme.colors.primary,
      secondary: doc.theme.colors.secondary,
      background: doc.theme.colors.background,
      text: doc.theme.colors.text,
    },
    font: doc.theme.font,
    logoUrl: doc.theme.logoUrl ?? null,
    layout: doc.theme.layout,
  },
  domain: doc.domain ?? null,
  domainVerified: doc.domainVerified,
  domainVerifiedAt: doc.domainVerifiedAt ? new Date(doc.domainVerifiedAt).toISOString() : null,
  challengeToken: doc.challengeToken ?? null,
  version: doc.version,
  createdAt: new Date(doc.createdAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
});
