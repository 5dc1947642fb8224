import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { pushOutbox, type OutboxEntry } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import { slugModel, tenantModel, type SlugDocument, type TenantDocument } from './model';
import type { TenantRecord } from './rules';

/** The tenants port: every call names the one tenant it reads or writes. */
export interface TenantStore {
  /** The tenant in any status, failed included. */
  get(tenantId: string): Promise<TenantRecord | undefined>;
  /** Writes a new tenant and its events in one document write; false when a tenant with its id exists. */
  insert(tenant: TenantRecord, events: OutboxEntry[]): Promise<boolean>;
  /** Writes `tenant` and its events in one document write if the stored version is still `expectedVersion`. */
  replace(tenant: TenantRecord, expectedVersion: number, events: OutboxEntry[]): Promise<boolean>;
}

/** Who holds which tenant slug, platform-wide. */
export interface SlugRegistry {
  /** Claims the slug for the tenant; true also when this tenant holds it already (a re-run), false when another does. */
  claim(slug: string, tenantId: string, at: Date): Promise<boolean>;
  /** Frees the slug if this tenant holds it; another tenant's claim stays. */
  release(slug: string, tenantId: string): Promise<void>;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;

const stored = (tenant: TenantRecord): Omit<TenantDocument, 'outbox'> => {
  const { id, createdAt, updatedAt, failure, ...rest } = tenant;
  return { ...rest, _id: id, tenantId: id, failure: failure ?? null, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
};

export const toTenantRecord = (doc: TenantDocument): TenantRecord => ({
  id: doc._id,
  name: doc.name,
  slug: doc.slug,
  type: doc.type,
  plan: doc.plan,
  status: doc.status,
  ownerUserId: doc.ownerUserId,
  settings: Object.fromEntries(Object.entries(doc.settings ?? {}).filter(([, value]) => typeof value === 'string')),
  ...(doc.failure ? { failure: { code: doc.failure.code, reason: doc.failure.reason } } : {}),
  version: doc.version,
  createdAt: new Date(doc.createdAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
});

/**
 * Every update of a tenant runs under the document lock: the outbox relay updates the same
 * document, and FerretDB does not make two concurrent updates of one document atomic.
 */
export const mongoTenantStore = (model: Model<TenantDocument>, lockDocument: DocumentLock = withDocumentLock): TenantStore => ({
  async get(tenantId) {
    const doc = await model.findOne({ _id: tenantId, tenantId }).lean<TenantDocument>();
    return doc ? toTenantRecord(doc) : undefined;
  },
  async insert(tenant, events) {
    try {
      await model.create({ ...stored(tenant), outbox: events });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  },
  async replace(tenant, expectedVersion, events) {
    const { _id, tenantId, createdAt: _createdAt, ...fields } = stored(tenant);
    const result = await lockDocument(model.collection.collectionName, _id, () =>
      model.updateOne({ _id, tenantId, version: expectedVersion }, { $set: fields, ...pushOutbox(...events) }),
    );
    return result.matchedCount === 1;
  },
});

export const mongoSlugRegistry = (model: Model<SlugDocument>): SlugRegistry => ({
  async claim(slug, tenantId, at) {
    // A claim freed between our insert and our read leaves no holder: insert again (twice at most).
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await model.create({ _id: slug, tenantId, claimedAt: at });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      // Cross-tenant by design: a slug is unique across the whole platform, so its holder may be
      // another tenant. The read is by `_id` (the slug) alone, and what it reads never leaves the
      // tenant service: the onboarding user learns only that the slug is taken.
      const holder = await model.findOne({ _id: slug }).setOptions({ crossTenant: true }).lean<SlugDocument>();
      if (holder) return holder.tenantId === tenantId;
    }
    return false;
  },
  async release(slug, tenantId) {
    await model.deleteOne({ _id: slug, tenantId });
  },
});

export const tenantStore = async (): Promise<TenantStore> => mongoTenantStore(tenantModel(await serviceDb('tenant')));
export const slugRegistry = async (): Promise<SlugRegistry> => mongoSlugRegistry(slugModel(await serviceDb('tenant')));
