import type { Connection, Model, Schema } from 'mongoose';
import type { Role } from '../../layers/auth/types';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { TwoFactorMethod, UserStatus } from './schemas';

/**
 * The identity service's documents (database `<base>_auth`):
 * - `users`: the aggregate; its outbox carries every auth event.
 * - `logins`: `_id` = `<realm>:<email>` → user id. The realm is the tenant a customer signed up
 *   in, or `platform` for sellers. A unique `_id` makes a duplicate email impossible, and it is
 *   the only kind of lookup FerretDB serves from an index.
 * - `tenants`: the provisioned tenants customers may register in (projection of tenant events).
 * - `refresh_families`: one per sign-in, so revocations outlive Redis.
 * - `signins`: flagged sign-ins, listed to tenant admins.
 */
export interface PendingTwoFactor {
  method: TwoFactorMethod;
  phone: string | null;
  /** The TOTP secret, sealed (layers/sealing); null for email and SMS. */
  secretSealed: string | null;
  createdAt: Date;
}

export interface TwoFactorState {
  method: TwoFactorMethod | null;
  phone: string | null;
  secretSealed: string | null;
  /** The last TOTP time step accepted: a code is good once. */
  lastTotpStep: number;
  /** HMACs of the unused recovery codes. */
  recoveryCodes: string[];
  pending: PendingTwoFactor | null;
}

export interface OnboardingState {
  status: 'none' | 'requested' | 'provisioned' | 'failed';
  tenant: { name: string; slug: string; type: string; plan: string } | null;
  at: Date | null;
}

export interface UserDocument {
  _id: string;
  tenantId: string;
  realm: string;
  email: string;
  name: string;
  passwordHash: string;
  status: UserStatus;
  roles: Role[];
  /** Bumped to revoke every refresh family of the user at once (password reset, rollback). */
  tokenEpoch: number;
  twoFactor: TwoFactorState;
  /** Hashes of the user agents this user signed in from (most recent last, capped). */
  knownDevices: string[];
  onboarding: OnboardingState;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  verifiedAt: Date | null;
  deletedAt: Date | null;
  outbox: OutboxEntry[];
}

export interface LoginDocument {
  _id: string;
  tenantId: string;
  userId: string;
  createdAt: Date;
}

export interface TenantDocument {
  _id: string;
  tenantId: string;
  name: string;
  slug: string;
  type: string;
  plan: string;
  ownerUserId: string;
  provisionedAt: Date;
}

export interface RefreshFamilyDocument {
  _id: string;
  tenantId: string;
  userId: string;
  /** The user's tokenEpoch when the family began; a later epoch revokes it. */
  epoch: number;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export interface SigninDocument {
  _id: string;
  tenantId: string;
  userId: string;
  email: string;
  reasons: string[];
  ip: string | null;
  userAgent: string | null;
  locked: boolean;
  at: Date;
}

const build = () => {
  const { Schema } = mongooseLib();
  const pending = new Schema<PendingTwoFactor>(
    { method: { type: String, required: true }, phone: String, secretSealed: String, createdAt: { type: Date, required: true } },
    { _id: false },
  );
  const twoFactor = new Schema<TwoFactorState>(
    {
      method: { type: String, default: null },
      phone: { type: String, default: null },
      secretSealed: { type: String, default: null },
      lastTotpStep: { type: Number, default: 0 },
      recoveryCodes: { type: [String], default: [] },
      pending: { type: pending, default: null },
    },
    { _id: false },
  );
  const onboarding = new Schema<OnboardingState>(
    { status: { type: String, required: true }, tenant: { type: Schema.Types.Mixed, default: null }, at: { type: Date, default: null } },
    { _id: false },
  );
  const strict = { versionKey: false, minimize: false, strict: 'throw' } as const;

  const users = new Schema<UserDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      realm: { type: String, required: true },
      email: { type: String, required: true },
      name: { type: String, required: true },
      passwordHash: { type: String, required: true },
      status: { type: String, required: true },
      roles: { type: [String], required: true },
      tokenEpoch: { type: Number, default: 0 },
      twoFactor: { type: twoFactor, required: true },
      knownDevices: { type: [String], default: [] },
      onboarding: { type: onboarding, required: true },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      verifiedAt: { type: Date, default: null },
      deletedAt: { type: Date, default: null },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'users', ...strict },
  );
  const logins = new Schema<LoginDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      userId: { type: String, required: true },
      createdAt: { type: Date, required: true },
    },
    { collection: 'logins', ...strict },
  );
  const tenants = new Schema<TenantDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      name: { type: String, required: true },
      slug: { type: String, required: true },
      type: { type: String, required: true },
      plan: { type: String, required: true },
      ownerUserId: { type: String, required: true },
      provisionedAt: { type: Date, required: true },
    },
    { collection: 'tenants', ...strict },
  );
  const families = new Schema<RefreshFamilyDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      userId: { type: String, required: true },
      epoch: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
      revokedAt: { type: Date, default: null },
      revokedReason: { type: String, default: null },
    },
    { collection: 'refresh_families', ...strict },
  );
  const signins = new Schema<SigninDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      userId: { type: String, required: true },
      email: { type: String, required: true },
      reasons: { type: [String], required: true },
      ip: { type: String, default: null },
      userAgent: { type: String, default: null },
      locked: { type: Boolean, required: true },
      at: { type: Date, required: true },
    },
    { collection: 'signins', ...strict },
  );
  signins.index({ tenantId: 1, _id: -1 });
  // One call per schema: a cast to Schema[] makes tsc compare the mongoose generics structurally (minutes, gigabytes).
  users.plugin(tenantScopePlugin);
  logins.plugin(tenantScopePlugin);
  tenants.plugin(tenantScopePlugin);
  families.plugin(tenantScopePlugin);
  signins.plugin(tenantScopePlugin);
  return { users, logins, tenants, families, signins };
};

let schemas: ReturnType<typeof build> | undefined;

export interface AuthModels {
  users: Model<UserDocument>;
  logins: Model<LoginDocument>;
  tenants: Model<TenantDocument>;
  families: Model<RefreshFamilyDocument>;
  signins: Model<SigninDocument>;
}

const model = <T>(db: Connection, name: string, schema: Schema<T>): Model<T> => (db.models[name] as Model<T> | undefined) ?? db.model<T>(name, schema);

export const authModels = (db: Connection): AuthModels => {
  schemas ??= build();
  return {
    users: model<UserDocument>(db, 'User', schemas.users),
    logins: model<LoginDocument>(db, 'Login', schemas.logins),
    tenants: model<TenantDocument>(db, 'Tenant', schemas.tenants),
    families: model<RefreshFamilyDocument>(db, 'RefreshFamily', schemas.families),
    signins: model<SigninDocument>(db, 'Signin', schemas.signins),
  };
};
