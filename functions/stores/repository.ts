import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { ConflictError } from '../../layers/errors';
import { pushOutbox, type OutboxEntry } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import { domainClaimModel, slugKeyOf, storeModel, toStoreState, type DomainClaimDocument, type StoreDocument } from './model';
import type { StoreState } from './rules';

export interface PageRequest {
  /** Return stores whose id sorts after this one. */
  after?: string;
  limit: number;
}

/** The stores port: every call is scoped to one tenant. */
export interface StoreRepository {
  /** Writes the store and its events in one document write; 409 `slug_taken` when the tenant has the slug already. */
  insert(store: StoreState, events: OutboxEntry[]): Promise<void>;
  get(tenantId: string, id: string): Promise<StoreState | undefined>;
  /** Writes `store` and its events in one document write if the stored version is still `expectedVersion`. */
  replace(store: StoreState, expectedVersion: number, events: OutboxEntry[]): Promise<boolean>;
  list(tenantId: string, page: PageRequest): Promise<StoreState[]>;
}

export interface DomainClaim {
  domain: string;
  tenantId: string;
  storeId: string;
  claimedAt: Date;
}

/** Who holds which custom domain, platform-wide. */
export interface DomainRegistry {
  /**
   * Claims the domain, or answers who holds it already (possibly this very store); `holder` is
   * undefined when the claim was freed between the attempt and the read: try again.
   */
  claim(claim: DomainClaim): Promise<{ claimed: true } | { claimed: false; holder: DomainClaim | undefined }>;
  /** Frees the domain if this store of this tenant holds it; a claim of anyone else stays. */
  release(claim: Pick<DomainClaim, 'domain' | 'tenantId' | 'storeId'>): Promise<void>;
  /** Removes exactly the claim that was read (same holder, same time), so a fresher claim survives. */
  evict(stale: DomainClaim): Promise<boolean>;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;

const stored = (s: StoreState): Omit<StoreDocument, 'outbox'> => {
  const { id, createdAt, updatedAt, domainVerifiedAt, ...rest } = s;
  return {
    ...rest,
    _id: id,
    slugKey: slugKeyOf(s),
    domainVerifiedAt: domainVerifiedAt ? new Date(domainVerifiedAt) : null,
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
  };
};

/**
 * Every update of a store runs under the document lock: the outbox relay updates the same
 * document, and FerretDB does not make two concurrent updates of one document atomic.
 */
export const mongoStoreRepository = (model: Model<StoreDocument>, lockDocument: DocumentLock = withDocumentLock): StoreRepository => {
  const lock = <T>(id: string, work: () => Promise<T>) => lockDocument(model.collection.collectionName, id, work);
  return {
    async insert(s, events) {
      try {
        await model.create({ ...stored(s), outbox: events });
      } catch (error) {
        // The only unique key besides _id (a fresh UUIDv7) is the tenant's slug.
        if (isDuplicateKey(error)) throw new ConflictError(`This tenant already has a store with the slug ${s.slug}.`, 'slug_taken', { slug: s.slug });
        throw error;
      }
    },
    async get(tenantId, id) {
      const doc = await model.findOne({ _id: id, tenantId }).lean<StoreDocument>();
      return doc ? toStoreState(doc) : undefined;
    },
    async replace(s, expectedVersion, events) {
      const { _id, tenantId, ...fields } = stored(s);
      const result = await lock(_id, () => model.updateOne({ _id, tenantId, version: expectedVersion }, { $set: fields, ...pushOutbox(...events) }));
      return result.matchedCount === 1;
    },
    async list(tenantId, { after, limit }) {
      const docs = await model
        .find(after ? { tenantId, _id: { $gt: after } } : { tenantId })
        .sort({ _id: 1 })
        .limit(limit)
        .lean<StoreDocument[]>();
      return docs.map(toStoreState);
    },
  };
};

const toClaim = (doc: DomainClaimDocument): DomainClaim => ({
  domain: doc._id,
  tenantId: doc.tenantId,
  storeId: doc.storeId,
  claimedAt: new Date(doc.claimedAt),
});

export const mongoDomainRegistry = (model: Model<DomainClaimDocument>): DomainRegistry => ({
  async claim(claim) {
    try {
      await model.create({ _id: claim.domain, tenantId: claim.tenantId, storeId: claim.storeId, claimedAt: claim.claimedAt });
      return { claimed: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // Cross-tenant by design: a custom domain is unique across the whole platform, so the
    // holder may be another tenant. The lookup is by `_id` (the domain) alone and what it
    // reads never leaves the stores service: the caller learns only "taken".
    const holder = await model.findOne({ _id: claim.domain }).setOptions({ crossTenant: true }).lean<DomainClaimDocument>();
    return { claimed: false, holder: holder ? toClaim(holder) : undefined };
  },
  async release({ domain, tenantId, storeId }) {
    await model.deleteOne({ _id: domain, tenantId, storeId });
  },
  async evict(stale) {
    const result = await model.deleteOne({ _id: stale.domain, tenantId: stale.tenantId, storeId: stale.storeId, claimedAt: stale.claimedAt });
    return result.deletedCount === 1;
  },
});

export const storeRepository = async (): Promise<StoreRepository> => mongoStoreRepository(await readyStoreModel());
export const domainRegistry = async (): Promise<DomainRegistry> => mongoDomainRegistry(domainClaimModel(await serviceDb('stores')));

let storeIndexes: Promise<unknown> | undefined;

/** The store model once its indexes exist: the unique slug index must be in place before the first insert. */
const readyStoreModel = async (): Promise<Model<StoreDocument>> => {
  const model = storeModel(await serviceDb('stores'));
  await (storeIndexes ??= model.init().catch((error: unknown) => {
    storeIndexes = undefined;
    throw error;
  }));
  return model;
};
