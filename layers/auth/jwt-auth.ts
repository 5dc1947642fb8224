import type middy from '@middy/core';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { loadConfig } from '../config';
import { AppError, ServiceUnavailableError, UnauthorizedError } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';
import { keySetFromConfig } from './jwks';
import { tokenCache } from './token-cache';
import { ACCESS_TOKEN_TYPE, KID_PATTERN, SIGNING_ALGORITHMS, type SigningAlgorithm } from './tokens';
import { isRole, levelOf, type Actor, type Role } from './types';

/** Stable problem codes of this layer; clients branch on them. */
export const AUTH_ERROR_CODES = {
  missing: 'token_missing',
  invalid: 'token_invalid',
  expired: 'token_expired',
  keysUnavailable: 'jwks_unavailable',
} as const;

export interface VerifyAccessTokenOptions {
  jwks: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Allowed skew between our clock and the issuer's, for `exp`, `nbf` and `iat`. */
  clockToleranceSeconds: number;
  algorithms: SigningAlgorithm[];
  /** Longer tokens are refused before any parsing. */
  maxTokenBytes: number;
}

export interface JwtAuthOptions extends Omit<VerifyAccessTokenOptions, 'jwks' | 'issuer' | 'audience'> {
  /** The verification keys; from `JWKS` / `JWKS_URL` when not given. */
  jwks?: JWTVerifyGetKey;
  /** `JWT_ISSUER` when not given. */
  issuer?: string;
  /** `JWT_AUDIENCE` when not given. */
  audience?: string;
  /** Verified tokens remembered per warm instance (0: verify every request). */
  cacheSize?: number;
  /** How long a verified token is trusted without verifying again, at most until it expires. */
  cacheTtlMs?: number;
}

const defaults: JwtAuthOptions = {
  cacheSize: 10_000,
  cacheTtlMs: 60_000,
  clockToleranceSeconds: 5,
  algorithms: [...SIGNING_ALGORITHMS],
  maxTokenBytes: 8 * 1024,
};

const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  tid: z.string().min(1).max(128),
  roles: z.array(z.custom<Role>(isRole)).min(1).max(16),
  jti: z.string().min(1).max(128).optional(),
});

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/-]+=*)[ \t]*$/i;

const invalid = (detail = 'The access token is invalid.'): UnauthorizedError => new UnauthorizedError(detail, AUTH_ERROR_CODES.invalid);

/** The bearer token of an Authorization header, or undefined when there is none. */
export const bearerToken = (header: string | undefined): string | undefined => (header ? BEARER.exec(header)?.[1] : undefined);

/**
 * Resolves the key through the key set, telling "no such key" (the token's fault: 401) from
 * "keys unreachable" (ours: 503, so clients retry instead of logging users out).
 */
const resolveKeyWith =
  (keySet: JWTVerifyGetKey): JWTVerifyGetKey =>
  async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new ServiceUnavailableError('The token signing keys are unavailable; retry later.', AUTH_ERROR_CODES.keysUnavailable);
    }
  };

/** Verifies an access token as RFC 8725 asks and returns the actor it proves. */
export const verifyAccessToken = async (token: string, options: VerifyAccessTokenOptions): Promise<Actor> => {
  if (Buffer.byteLength(token) > options.maxTokenBytes) throw invalid('The access token is too long.');
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw invalid('The access token is malformed.');
  }
  // Checked before the key lookup: a kid reaches caches, URLs and logs.
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw invalid('The access token has no valid key id.');
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, resolveKeyWith(options.jwks), {
      algorithms: options.algorithms,
      issuer: options.issuer,
      audience: options.audience,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: options.clockToleranceSeconds,
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof errors.JWTExpired) throw new UnauthorizedError('The access token has expired.', AUTH_ERROR_CODES.expired);
    throw invalid();
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw invalid('The access token claims are invalid.');
  const { sub, tid, roles, jti } = claims.data;
  return { userId: sub, tenantId: tid, roles, level: levelOf(roles), ...(jti ? { tokenId: jti } : {}) };
};

const validateOptions = (options: JwtAuthOptions): void => {
  const allowed = SIGNING_ALGORITHMS as readonly string[];
  if (options.algorithms.length === 0 || !options.algorithms.every((alg) => allowed.includes(alg))) {
    throw new TypeError(`jwtAuth: algorithms must be a non-empty subset of ${SIGNING_ALGORITHMS.join(', ')}.`);
  }
  if (!(options.clockToleranceSeconds >= 0 && options.clockToleranceSeconds <= 300)) {
    throw new TypeError('jwtAuth: clockToleranceSeconds must be between 0 and 300.');
  }
};

type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>;

/**
 * Requires `Authorization: Bearer <access token>` and sets `context.actor` and `context.tenantId`.
 * The key set is resolved on the first request that carries a token, so a function whose
 * environment names no keys still answers 401 to anonymous calls and fails loudly otherwise.
 */
export const jwtAuth = (opts: Partial<JwtAuthOptions> = {}): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const options: JwtAuthOptions = { ...defaults, ...opts };
  validateOptions(options);
  const config = loadConfig();
  const issuer = options.issuer ?? config.JWT_ISSUER;
  const audience = options.audience ?? config.JWT_AUDIENCE;

  const verified = tokenCache(options.cacheSize ?? 0, options.cacheTtlMs ?? 0);

  const jwtAuthBefore = async (request: Request): Promise<void> => {
    const token = bearerToken(request.event.headers.authorization);
    if (!token) throw new UnauthorizedError('A bearer access token is required.', AUTH_ERROR_CODES.missing);
    let actor = verified.get(token);
    if (!actor) {
      actor = await verifyAccessToken(token, { ...options, issuer, audience, jwks: options.jwks ?? keySetFromConfig() });
      verified.set(token, actor, (decodeJwt(token).exp ?? 0) * 1000);
    }
    request.context.actor = actor;
    request.context.tenantId = actor.tenantId;
  };
  return { before: jwtAuthBefore };
};
