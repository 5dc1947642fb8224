import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { Plan } from '../../layers/plans';
import type { TenantSettings, TenantStatus, TenantType } from './schemas';

/**
 * A tenant (`tenant` database, `tenants` collection): `_id` is the tenant id auth reserved at
 * registration, and `tenantId` repeats it so the tenant guard scopes every query like any other
 * collection's. A provisioning that failed stays as a document in status `failed` carrying the
 * failure and, in its outbox, the event that rolls the user back.
 */
export interface TenantDocument {
  _id: string;
  tenantId: string;
  name: string;
  slug: string;
  type: TenantType;
  plan: Plan;
  status: TenantStatus;
  ownerUserId: string;
  settings: TenantSettings;
  failure: { code: string; reason: string } | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

/**
 * A tenant slug's holder, platform-wide (`tenant_slugs`): `_id` is the slug, so the claim is one
 * indexed insert that fails with a duplicate key when the slug is taken; `tenantId` is the holder.
 */
export interface SlugDocument {
  _id: string;
  tenantId: string;
  claimedAt: Date;
}

const buildTenantSchema = (): Schema<TenantDocument> => {
  const { Schema } = mongooseLib();
  const settingsSchema = new Schema(
    { defaultCurrency: String, locale: String, timezone: String, supportEmail: String },
    { _id: false, minimize: false, strict: 'throw' },
  );
  const failureSchema = new Schema({ code: { type: String, required: true }, reason: { type: String, required: true } }, { _id: false });
  const schema = new Schema<TenantDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      name: { type: String, required: true },
      slug: { type: String, required: true },
      type: { type: String, required: true },
      plan: { type: String, required: true },
      status: { type: String, required: true },
      ownerUserId: { type: String, required: true },
      settings: { type: settingsSchema, default: {} },
      failure: { type: failureSchema, default: null },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'tenants', versionKey: false, minimize: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

const buildSlugSchema = (): Schema<SlugDocument> => {
  const { Schema } = mongooseLib();
  const schema = new Schema<SlugDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      claimedAt: { type: Date, required: true },
    },
    { collection: 'tenant_slugs', versionKey: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

let tenantSchema: Schema<TenantDocument> | undefined;
let slugSchema: Schema<SlugDocument> | undefined;

export const tenantModel = (db: Connection): Model<TenantDocument> =>
  (db.models.Tenant as Model<TenantDocument> | undefined) ?? db.model<TenantDocument>('Tenant', (tenantSchema ??= buildTenantSchema()));

export const slugModel = (db: Connection): Model<SlugDocument> =>
  (db.models.TenantSlug as Model<SlugDocument> | undefined) ?? db.model<SlugDocument>('TenantSlug', (slugSchema ??= buildSlugSchema()));
