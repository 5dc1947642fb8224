import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { pushOutbox, type OutboxEntry } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import {
  authModels,
  type AuthModels,
  type LoginDocument,
  type RefreshFamilyDocument,
  type SigninDocument,
  type TenantDocument,
  type UserDocument,
} from './model';

/** A user as the cores see it: the document without its outbox. */
export type User = Omit<UserDocument, 'outbox'>;
export type RefreshFamily = RefreshFamilyDocument;
export type Signin = SigninDocument;
export type TenantRecord = TenantDocument;

/** What to change in one user document, with the events the change causes (one write). */
export interface UserChange {
  set?: Record<string, unknown>;
  inc?: Record<string, number>;
  pullAll?: Record<string, unknown[]>;
}

/** The identity service's document store port. */
export interface UserStore {
  /** Takes `key` (`<realm>:<email>`) for the user; the user id holding it when it is taken. */
  claimLogin(key: string, userId: string, tenantId: string, now: Date): Promise<{ claimed: true } | { claimed: false; holder: string; since: Date }>;
  /** Moves a login from a holder that no longer exists to `userId`; false when the holder changed meanwhile. */
  takeOverLogin(key: string, staleHolder: string, userId: string, tenantId: string, now: Date): Promise<boolean>;
  /** Frees `key` if `userId` holds it. */
  releaseLogin(key: string, userId: string): Promise<void>;
  findLogin(key: string): Promise<Pick<LoginDocument, 'userId' | 'tenantId'> | undefined>;
  insertUser(user: User, events: OutboxEntry[]): Promise<void>;
  /** The user with this id, in any tenant: callers check the tenant they expect. */
  byId(userId: string): Promise<User | undefined>;
  /** Applies `change` and pushes `events` if the user (in `tenantId`) still matches `where`; false when not. */
  update(userId: string, tenantId: string, where: Record<string, unknown>, change: UserChange, events: OutboxEntry[]): Promise<boolean>;
  tenantExists(tenantId: string): Promise<boolean>;
  upsertTenant(tenant: TenantRecord): Promise<void>;
  insertFamily(family: RefreshFamily): Promise<void>;
  family(familyId: string): Promise<RefreshFamily | undefined>;
  revokeFamily(familyId: string, tenantId: string, reason: string, at: Date): Promise<void>;
  recordSignin(signin: Signin): Promise<void>;
  /** Flagged sign-ins of a tenant, newest first, ids below `before`. */
  listSignins(tenantId: string, before: string | undefined, limit: number): Promise<Signin[]>;
}

const DUPLICATE_KEY = 11000;
const isDuplicate = (error: unknown): boolean => (error as { code?: number } | undefined)?.code === DUPLICATE_KEY;

const toUser = (doc: UserDocument): User => {
  const { outbox: _outbox, ...user } = doc;
  return user;
};

const CROSS_TENANT = { crossTenant: true } as const;

/**
 * Lookups by primary key go out with `{ _id }` alone, marked cross-tenant: FerretDB 1.24 serves a
 * filter from its primary key only when it is exactly `{ _id }`, and scans the collection for
 * `{ _id, tenantId }` (hundreds of ms at tens of thousands of users, on every sign-in). The
 * tenant is then checked on the document found, by the store (families) or the core (users).
 * Writes keep `tenantId` in their filter, as the tenant guard asks.
 */
export const mongoUserStore = (models: AuthModels, lockDocument: DocumentLock = withDocumentLock): UserStore => {
  const { users, logins, tenants, families, signins } = models;
  const lockUser = <T>(id: string, work: () => Promise<T>) => lockDocument(users.collection.collectionName, id, work);
  const byKey = <T>(model: Model<T>, id: string) => model.findOne({ _id: id }).setOptions(CROSS_TENANT).lean<T>();

  return {
    async claimLogin(key, userId, tenantId, now) {
      try {
        await logins.create({ _id: key, tenantId, userId, createdAt: now });
        return { claimed: true };
      } catch (error) {
        if (!isDuplicate(error)) throw error;
        const holder = await byKey(logins, key);
        return { claimed: false, holder: holder?.userId ?? '', since: holder?.createdAt ?? now };
      }
    },
    async takeOverLogin(key, staleHolder, userId, tenantId, now) {
      const current = await byKey(logins, key);
      if (!current || current.userId !== staleHolder) return false;
      // Delete, then claim: whoever claims first after the delete holds the login.
      const deleted = await logins.deleteOne({ _id: key, tenantId: current.tenantId, userId: staleHolder });
      if (deleted.deletedCount !== 1) return false;
      return (await this.claimLogin(key, userId, tenantId, now)).claimed;
    },
    async releaseLogin(key, userId) {
      const current = await byKey(logins, key);
      if (current?.userId === userId) await logins.deleteOne({ _id: key, tenantId: current.tenantId, userId });
    },
    async findLogin(key) {
      const doc = await byKey(logins, key);
      return doc ? { userId: doc.userId, tenantId: doc.tenantId } : undefined;
    },
    async insertUser(user, events) {
      await users.create({ ...user, outbox: events });
    },
    async byId(userId) {
      const doc = await byKey(users, userId);
      return doc ? toUser(doc) : undefined;
    },
    async update(userId, tenantId, where, change, events) {
      const update: Record<string, unknown> = { ...pushOutbox(...events) };
      if (change.set) update.$set = change.set;
      if (change.inc) update.$inc = change.inc;
      if (change.pullAll) update.$pullAll = change.pullAll;
      const result = await lockUser(userId, () => users.updateOne({ ...where, _id: userId, tenantId }, update));
      return result.matchedCount === 1;
    },
    async tenantExists(tenantId) {
      return Boolean(await byKey(tenants, tenantId));
    },
    async upsertTenant(tenant) {
      const { _id, tenantId, ...fields } = tenant;
      await tenants.updateOne({ _id, tenantId }, { $set: fields }, { upsert: true });
    },
    async insertFamily(family) {
      await families.create(family);
    },
    async family(familyId) {
      return (await byKey(families, familyId)) ?? undefined;
    },
    async revokeFamily(familyId, tenantId, reason, at) {
      await families.updateOne({ _id: familyId, tenantId, revokedAt: null }, { $set: { revokedAt: at, revokedReason: reason } });
    },
    async recordSignin(signin) {
      const { _id, tenantId, ...fields } = signin;
      await signins.updateOne({ _id, tenantId }, { $setOnInsert: fields }, { upsert: true });
    },
    async listSignins(tenantId, before, limit) {
      const filter: Record<string, unknown> = { tenantId };
      if (before) filter._id = { $lt: before };
      return signins.find(filter).sort({ _id: -1 }).limit(limit).lean<Signin[]>();
    },
  };
};

export const userStore = async (): Promise<UserStore> => mongoUserStore(authModels(await serviceDb('auth')));
