import { v7 as uuidv7 } from 'uuid';
import { createTokenSigner } from '../../layers/auth/tokens';
import { redis } from '../../layers/connections';
import { ConfigError, TooManyRequestsError } from '../../layers/errors';
import { nudgeOutbox } from '../../layers/events/outbox';
import { releaseQuota, reserveQuota } from '../../layers/plans/quota';
import { retryAfterSeconds, takeToken, type BucketSettings } from '../../layers/rate-limit';
import { seal, unseal } from '../../layers/sealing';
import { authConfig, signingKeys, type AuthConfig } from './config';
import { makeHasher, type Hasher } from './codes';
import { userRegistered } from './events';
import { bcryptHasher, type PasswordHasher } from './passwords';
import { userStore, type User, type UserStore } from './repository';
import type { AccessSigner, SessionDeps } from './sessions';
import { redisStores, type AuthRedisStores } from './store';
import { loginKey } from './users';

/** What identity operations need from the outside world; handlers wire the real ones. */
export interface AuthDeps extends AuthRedisStores {
  config: AuthConfig;
  users: UserStore;
  passwords: PasswordHasher;
  hash: Hasher;
  /** Seals a secret for its deliverer (SEALING_KEY): codes and reset tokens in events. */
  seal: (plaintext: string) => Promise<string>;
  /** Seals and opens what only this service may read (AUTH_SECRET_KEY): TOTP secrets at rest. */
  protect: (plaintext: string) => Promise<string>;
  reveal: (protectedValue: string) => Promise<string>;
  signer: AccessSigner;
  newId: () => string;
  now: () => Date;
  /** Wakes the outbox relay for the user just written; best effort. */
  nudge: (userId: string) => void;
  /** The tenant's staff seats (plan limit): taken when someone first becomes staff, released when no longer. */
  seats: { take: (tenantId: string) => Promise<void>; release: (tenantId: string) => Promise<void> };
  /** Takes a token from the bucket of (operation, subject), or throws 429 naming `scope`. */
  limit: (bucket: string, subject: string, settings: BucketSettings, scope?: string) => Promise<void>;
}

/** The lockout and rate-limit key of a realm's email: never the address itself. */
export const emailKey = (deps: Pick<AuthDeps, 'hash'>, realm: string, email: string): string => deps.hash('email', loginKey(realm, email));

export const sessionDeps = (deps: AuthDeps): SessionDeps => ({
  users: deps.users,
  refresh: deps.refresh,
  hash: deps.hash,
  signer: deps.signer,
  newId: deps.newId,
  now: deps.now,
  familyTtlSeconds: deps.config.REFRESH_FAMILY_TTL_SECONDS,
  lockedFor: (user: User) => deps.lockout.lockedFor(emailKey(deps, user.realm, user.email)),
});

let passwords: { cost: number; hasher: PasswordHasher } | undefined;
let ownKey: { source: string; key: Uint8Array; hash: Hasher } | undefined;
let signer: { source: string; signer: AccessSigner } | undefined;

const ownKeyFor = (config: AuthConfig): { key: Uint8Array; hash: Hasher } => {
  if (!config.AUTH_SECRET_KEY) throw new ConfigError(['AUTH_SECRET_KEY: required to hash one-time codes and tokens']);
  if (ownKey?.source !== config.AUTH_SECRET_KEY) {
    const key = Buffer.from(config.AUTH_SECRET_KEY, 'base64url');
    ownKey = { source: config.AUTH_SECRET_KEY, key, hash: makeHasher(key) };
  }
  return ownKey;
};

/** Signs with the first of AUTH_SIGNING_KEYS; the keys are read on the first signature. */
const signerFor = (config: AuthConfig): AccessSigner => ({
  ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  sign: (claims) => {
    const source = config.AUTH_SIGNING_KEYS ?? '';
    if (signer?.source !== source) {
      const [current] = signingKeys(config);
      const built = createTokenSigner({
        privateJwk: current!,
        kid: current!.kid!,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      });
      signer = { source, signer: { ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS, sign: built.sign } };
    }
    return signer.signer.sign(claims);
  },
});

export const authDeps = async (): Promise<AuthDeps> => {
  const config = authConfig();
  if (passwords?.cost !== config.BCRYPT_COST) passwords = { cost: config.BCRYPT_COST, hasher: bcryptHasher(config.BCRYPT_COST) };
  const own = ownKeyFor(config);
  const client = await redis();
  return {
    ...(await redisStores(client)),
    config,
    users: await userStore(),
    passwords: passwords.hasher,
    hash: own.hash,
    seal: (plaintext) => seal(plaintext),
    protect: (plaintext) => seal(plaintext, own.key),
    reveal: (protectedValue) => unseal(protectedValue, own.key),
    signer: signerFor(config),
    newId: uuidv7,
    now: () => new Date(),
    nudge: (userId) => nudgeOutbox({ ...userRegistered.aggregate, id: userId }),
    seats: {
      take: async (tenantId) => {
        await reserveQuota(tenantId, 'staffSeats', { client });
      },
      release: async (tenantId) => {
        await releaseQuota(tenantId, 'staffSeats', { client });
      },
    },
    limit: async (bucket, subject, settings, scope = 'email') => {
      const decision = await takeToken(client, [`rl:auth-${bucket}:${scope}:${subject}`], settings);
      if (!decision.allowed) throw new TooManyRequestsError(retryAfterSeconds(decision.retryAfterMs), scope);
    },
  };
};
