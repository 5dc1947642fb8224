import type { Role } from '../../layers/auth/types';
import type { User } from './repository';
import type { Profile } from './schemas';

/**
 * What the identity operations share about users: realms and login keys, the client's address,
 * and the public profile (never a hash, a secret or a code).
 */
export const PLATFORM_REALM = 'platform';

/** Customers sign up in a tenant's realm; sellers in the platform's. */
export const realmOf = (tenantId: string | undefined): string => tenantId ?? PLATFORM_REALM;

export const loginKey = (realm: string, email: string): string => `${realm}:${email.toLowerCase()}`;

/** The client's address as the gateway saw it (first X-Forwarded-For hop), or 'unknown'. */
export const clientIp = (headers: Record<string, string | undefined>): string =>
  (headers['x-forwarded-for']?.split(',')[0]?.trim() || headers['x-real-ip'] || 'unknown').slice(0, 64);

export const userAgentOf = (headers: Record<string, string | undefined>): string | undefined => headers['user-agent']?.slice(0, 512);

export interface NewUserInput {
  id: string;
  tenantId: string;
  realm: string;
  email: string;
  name: string;
  passwordHash: string;
  roles: Role[];
  now: Date;
}

export const newUser = (input: NewUserInput): User => ({
  _id: input.id,
  tenantId: input.tenantId,
  realm: input.realm,
  email: input.email,
  name: input.name,
  passwordHash: input.passwordHash,
  status: 'pending_verification',
  roles: input.roles,
  tokenEpoch: 0,
  twoFactor: { method: null, phone: null, secretSealed: null, lastTotpStep: 0, recoveryCodes: [], pending: null },
  knownDevices: [],
  onboarding: { status: 'none', tenant: null, at: null },
  version: 1,
  createdAt: input.now,
  updatedAt: input.now,
  verifiedAt: null,
  deletedAt: null,
});

export const toProfile = (user: User): Profile => ({
  id: user._id,
  tenantId: user.tenantId,
  email: user.email,
  name: user.name,
  status: user.status,
  emailVerified: user.verifiedAt !== null,
  roles: [...user.roles],
  twoFactor: { enabled: user.twoFactor.method !== null, method: user.twoFactor.method },
  onboarding: { status: user.onboarding.status },
  createdAt: new Date(user.createdAt).toISOString(),
});

/** Masks an address for a reply: `a***@example.com`, `+44*******89`. */
export const maskAddress = (to: string): string => {
  if (to.includes('@')) {
    const [local, domain] = to.split('@') as [string, string];
    return `${local.slice(0, 1)}***@${domain}`;
  }
  return `${to.slice(0, 3)}${'*'.repeat(Math.max(0, to.length - 5))}${to.slice(-2)}`;
};
