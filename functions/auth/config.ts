import type { JWK } from 'jose';
import { z } from 'zod';
import { KID_PATTERN, algorithmOf } from '../../layers/auth/tokens';
import { baseConfigSchema, loadConfig } from '../../layers/config';
import { ConfigError } from '../../layers/errors';

/**
 * The identity service's configuration, on top of the base one. `AUTH_SIGNING_KEYS` (a secret)
 * is a JSON array of private JWKs (Ed25519 or P-256, each with a `kid`): the first signs, all
 * are published by `auth-jwks`, so a new key is added first and the old one stays listed until
 * every token it signed has expired. Functions that never sign (register, jwks aside) start
 * without it; the first signature asks for it and fails loudly when it is missing.
 */
export const parseSigningKeys = (json: string): JWK[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError(['AUTH_SIGNING_KEYS: must be a JSON array of private JWKs']);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError(['AUTH_SIGNING_KEYS: must be a non-empty JSON array of private JWKs']);
  const problems: string[] = [];
  const kids = new Set<string>();
  parsed.forEach((jwk: JWK, index) => {
    const at = `AUTH_SIGNING_KEYS[${index}]`;
    if (!jwk || typeof jwk !== 'object') return problems.push(`${at}: must be a JWK object`);
    if (typeof jwk.kid !== 'string' || !KID_PATTERN.test(jwk.kid)) problems.push(`${at}: needs a kid of [A-Za-z0-9_-]{1,64}`);
    else if (kids.has(jwk.kid)) problems.push(`${at}: duplicate kid`);
    else kids.add(jwk.kid);
    if (typeof jwk.d !== 'string') problems.push(`${at}: must be a private key (no "d" member)`);
    try {
      algorithmOf(jwk);
    } catch {
      problems.push(`${at}: must be an Ed25519 (EdDSA) or P-256 (ES256) key`);
    }
    return undefined;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed as JWK[];
};

export const authConfigSchema = baseConfigSchema
  .extend({
    AUTH_SIGNING_KEYS: z.string().optional(),
    /**
     * 32 bytes, base64url, held by the identity service alone: keys the hashes of codes, refresh
     * secrets and recovery codes, and seals TOTP secrets at rest. Apart from SEALING_KEY (shared with
     * the notification service, which must read the codes it delivers) so that holder can neither
     * open a TOTP secret nor forge a code hash.
     */
    AUTH_SECRET_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes, base64url')
      .optional(),
    /** bcrypt cost factor; production refuses less than 10, tests may go down to 4. */
    BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(600),
    /** Absolute lifetime of a refresh token family (RFC 9700 §4.14.2): a sign-in lasts at most this long. */
    REFRESH_FAMILY_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .default(14 * 24 * 3600),
    /** Multiplies the capacity and refill of the identity service's own rate limits (load tests raise it). */
    AUTH_RATE_LIMIT_SCALE: z.coerce.number().positive().max(1_000_000).default(1),
    /** The issuer name authenticator apps show next to a TOTP entry. */
    TOTP_ISSUER: z.string().min(1).max(64).default('Marketplace'),
  })
  .superRefine((config, ctx) => {
    if (config.NODE_ENV === 'production' && config.BCRYPT_COST < 10) {
      ctx.addIssue({ code: 'custom', path: ['BCRYPT_COST'], message: 'must be at least 10 in production' });
    }
    if (config.AUTH_SIGNING_KEYS !== undefined) {
      try {
        parseSigningKeys(config.AUTH_SIGNING_KEYS);
      } catch (error) {
        for (const problem of (error as ConfigError).problems) ctx.addIssue({ code: 'custom', path: ['AUTH_SIGNING_KEYS'], message: problem });
      }
    }
  });

export type AuthConfig = z.infer<typeof authConfigSchema>;

export const authConfig = (): AuthConfig => loadConfig(authConfigSchema);

/** The signing keys, first one current; throws `ConfigError` when none are configured. */
export const signingKeys = (config: AuthConfig = authConfig()): JWK[] => {
  if (!config.AUTH_SIGNING_KEYS) throw new ConfigError(['AUTH_SIGNING_KEYS: required to sign or publish access tokens']);
  return parseSigningKeys(config.AUTH_SIGNING_KEYS);
};

/** A rate limit of the identity service, scaled by AUTH_RATE_LIMIT_SCALE. */
export const authLimit = (capacity: number, refillPerSecond: number, config: AuthConfig = authConfig()) => ({
  capacity: Math.max(1, Math.round(capacity * config.AUTH_RATE_LIMIT_SCALE)),
  refillPerSecond: refillPerSecond * config.AUTH_RATE_LIMIT_SCALE,
});
