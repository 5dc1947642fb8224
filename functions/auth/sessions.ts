import { randomBytes } from 'node:crypto';
import type { AccessTokenClaims } from '../../layers/auth/tokens';
import { AccountLockedError, AUTH_CODES, invalidRefreshToken } from './errors';
import { UnauthorizedError } from '../../layers/errors';
import type { Hasher } from './codes';
import type { RefreshFamily, User, UserStore } from './repository';
import type { TokenPair } from './schemas';
import type { RefreshStore } from './store';

/**
 * Sign-in sessions (RFC 9700 §4.14): an access JWT of a few minutes plus an opaque refresh token
 * `<familyId>.<secret>`. The secret rotates on every use; the family remembers every secret it
 * handed out (as HMACs), so presenting a used one means two parties hold the chain: the whole
 * family is revoked and both must sign in again. The family's record in Mongo carries the
 * revocation and the absolute expiry, which outlive Redis; the user's `tokenEpoch` revokes all
 * of a user's families in one write.
 */
export interface AccessSigner {
  sign(claims: AccessTokenClaims): Promise<string>;
  ttlSeconds: number;
}

export interface SessionDeps {
  users: Pick<UserStore, 'insertFamily' | 'family' | 'revokeFamily' | 'byId'>;
  refresh: RefreshStore;
  hash: Hasher;
  signer: AccessSigner;
  newId: () => string;
  now: () => Date;
  familyTtlSeconds: number;
  /** Milliseconds the user stays locked out (0 when not). */
  lockedFor: (user: User) => Promise<number>;
}

const REFRESH_TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export const buildRefreshToken = (familyId: string, secret: string): string => `${familyId}.${secret}`;

export const parseRefreshToken = (token: string): { familyId: string; secret: string } | undefined => {
  const match = REFRESH_TOKEN.exec(token);
  return match ? { familyId: match[1]!, secret: match[2]! } : undefined;
};

const newSecret = (): string => randomBytes(32).toString('base64url');

const refreshHash = (deps: Pick<SessionDeps, 'hash'>, secret: string): string => deps.hash('refresh', secret);

/** A user may hold a session unless soft-deleted. */
export const mayHoldSession = (user: User): boolean => user.status !== 'soft_deleted';

const accessToken = async (deps: Pick<SessionDeps, 'signer'>, user: User, refreshToken: string): Promise<TokenPair> => ({
  accessToken: await deps.signer.sign({ sub: user._id, tid: user.tenantId, roles: user.roles }),
  tokenType: 'Bearer',
  expiresIn: deps.signer.ttlSeconds,
  refreshToken,
});

/** Starts a new family for the user and returns its first tokens. */
export const issueSession = async (deps: SessionDeps, user: User): Promise<TokenPair> => {
  const familyId = deps.newId();
  const secret = newSecret();
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.familyTtlSeconds * 1000);
  const family: RefreshFamily = {
    _id: familyId,
    tenantId: user.tenantId,
    userId: user._id,
    epoch: user.tokenEpoch,
    createdAt: now,
    expiresAt,
    revokedAt: null,
    revokedReason: null,
  };
  // Mongo first: a family Redis knows and Mongo does not could never be revoked durably.
  await deps.users.insertFamily(family);
  await deps.refresh.create(familyId, refreshHash(deps, secret), expiresAt.getTime());
  return accessToken(deps, user, buildRefreshToken(familyId, secret));
};

const revoke = async (deps: SessionDeps, family: RefreshFamily, reason: string): Promise<void> => {
  await deps.users.revokeFamily(family._id, family.tenantId, reason, deps.now());
  await deps.refresh.revoke(family._id);
};

/**
 * Trades a refresh token for new tokens. The user is read again, so a role granted or taken
 * since applies now, and a soft-deleted or locked user, a revoked or expired family, or a
 * password reset since the sign-in all end the session.
 */
export const rotateSession = async (deps: SessionDeps, token: string): Promise<TokenPair> => {
  const parsed = parseRefreshToken(token);
  if (!parsed) throw invalidRefreshToken();
  const family = await deps.users.family(parsed.familyId);
  if (!family || family.revokedAt || family.expiresAt.getTime() <= deps.now().getTime()) throw invalidRefreshToken();
  const user = await deps.users.byId(family.userId);
  if (!user || user.tenantId !== family.tenantId || !mayHoldSession(user) || user.tokenEpoch !== family.epoch) {
    await revoke(deps, family, 'user_changed');
    throw invalidRefreshToken();
  }
  const lockedMs = await deps.lockedFor(user);
  if (lockedMs > 0) throw new AccountLockedError(Math.ceil(lockedMs / 1000));
  const next = newSecret();
  const outcome = await deps.refresh.rotate(family._id, refreshHash(deps, parsed.secret), refreshHash(deps, next));
  if (outcome === 'reused') {
    await revoke(deps, family, 'reuse');
    throw new UnauthorizedError('This refresh token was used before; the session is revoked. Sign in again.', AUTH_CODES.refreshReused);
  }
  if (outcome !== 'ok') throw invalidRefreshToken();
  return accessToken(deps, user, buildRefreshToken(family._id, next));
};

/** Logout (RFC 7009's manner): revokes the family of a token the caller holds; anything else changes nothing. */
export const revokeSession = async (deps: SessionDeps, token: string): Promise<void> => {
  const parsed = parseRefreshToken(token);
  if (!parsed) return;
  const family = await deps.users.family(parsed.familyId);
  if (!family || family.revokedAt) return;
  if (await deps.refresh.revokeIfHeld(family._id, refreshHash(deps, parsed.secret))) {
    await deps.users.revokeFamily(family._id, family.tenantId, 'logout', deps.now());
  }
};
