import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Role } from './types';

/**
 * Access tokens as RFC 8725 and RFC 9068 shape them: asymmetric algorithms only, a `typ` of
 * `at+jwt`, a `kid` naming the signing key so keys can rotate. The same code signs for the
 * identity service, the dev token script and the tests, so what is verified is what we issue.
 */
export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** A `kid` we accept: short, and free of anything a path, a URL or a log line could trip on. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface AccessTokenClaims {
  sub: string;
  tid: string;
  roles: Role[];
  jti?: string;
}

export interface TokenSignerOptions {
  privateJwk: JWK;
  kid: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface TokenSigner {
  sign(claims: AccessTokenClaims): Promise<string>;
}

export interface SigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
}

/** The members of a private or symmetric JWK; a JWKS must never carry them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;

/** The algorithm a key signs with: its `alg` member, or the one its curve implies. */
export const algorithmOf = (jwk: JWK): SigningAlgorithm => {
  const alg = jwk.alg ?? (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined);
  if (!alg || !(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new TypeError(`Signing keys must be Ed25519 (EdDSA) or P-256 (ES256); got ${alg ?? `${jwk.kty}/${jwk.crv}`}.`);
  }
  return alg as SigningAlgorithm;
};

export const createTokenSigner = (options: TokenSignerOptions): TokenSigner => {
  const alg = algorithmOf(options.privateJwk);
  if (!KID_PATTERN.test(options.kid)) throw new TypeError('kid must match [A-Za-z0-9_-]{1,64}.');
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) throw new TypeError('ttlSeconds must be a positive integer.');
  // Imported once, on first use: key import is async and the signer may never be used.
  let key: Promise<CryptoKey | Uint8Array> | undefined;
  const sign = async (claims: AccessTokenClaims): Promise<string> => {
    key ??= importJWK(options.privateJwk, alg);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tid: claims.tid, roles: claims.roles })
      .setProtectedHeader({ alg, kid: options.kid, typ: ACCESS_TOKEN_TYPE })
      .setSubject(claims.sub)
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + options.ttlSeconds)
      .setJti(claims.jti ?? randomUUID())
      .sign(await key);
  };
  return { sign };
};

/** A fresh key pair; its `kid` is the RFC 7638 thumbprint of the public key. */
export const generateSigningKey = async (alg: SigningAlgorithm = 'EdDSA'): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  const members = { kid, alg, use: 'sig' };
  return { privateJwk: { ...privateJwk, ...members }, publicJwk: { ...publicJwk, ...members }, kid };
};

/** A JWKS document from public keys; private members are dropped even if a caller passes them. */
export const toJwks = (publicJwks: readonly JWK[]): { keys: JWK[] } => ({
  keys: publicJwks.map((jwk) => {
    const copy: Record<string, unknown> = { ...jwk };
    for (const member of PRIVATE_MEMBERS) delete copy[member];
    return copy as JWK;
  }),
});
