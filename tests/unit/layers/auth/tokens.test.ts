import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { algorithmOf, bearerToken, createTokenSigner, generateSigningKey, toJwks } from '../../../../layers/auth';

describe('generateSigningKey', () => {
  it('makes an Ed25519 pair whose kid is the public key thumbprint', async () => {
    const { privateJwk, publicJwk, kid } = await generateSigningKey();
    expect(publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid, alg: 'EdDSA', use: 'sig' });
    expect(privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', d: expect.any(String), kid, alg: 'EdDSA' });
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('makes P-256 pairs for ES256', async () => {
    const { publicJwk } = await generateSigningKey('ES256');
    expect(publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
  });
});

describe('toJwks', () => {
  it('never publishes private members', async () => {
    const { privateJwk } = await generateSigningKey();
    const { keys } = toJwks([privateJwk, { kty: 'oct', k: 'c2VjcmV0', kid: 'x' }]);
    expect(keys[0]).not.toHaveProperty('d');
    expect(keys[0]).toMatchObject({ kty: 'OKP', x: privateJwk.x });
    expect(keys[1]).toEqual({ kty: 'oct', kid: 'x' });
  });
});

describe('createTokenSigner', () => {
  it('signs at+jwt tokens with kid, issuer, audience, lifetime and a jti', async () => {
    const { privateJwk, kid } = await generateSigningKey();
    const signer = createTokenSigner({ privateJwk, kid, issuer: 'iss', audience: 'aud', ttlSeconds: 900 });
    const token = await signer.sign({ sub: 'u1', tid: 't1', roles: ['owner'] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid, typ: 'at+jwt' });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ sub: 'u1', tid: 't1', roles: ['owner'], iss: 'iss', aud: 'aud' });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload.jti).toEqual(expect.any(String));
    expect(decodeJwt(await signer.sign({ sub: 'u1', tid: 't1', roles: ['owner'], jti: 'fixed' })).jti).toBe('fixed');
  });

  it('derives the algorithm from the key and refuses keys outside the allow-list', () => {
    expect(algorithmOf({ kty: 'OKP', crv: 'Ed25519' })).toBe('EdDSA');
    expect(algorithmOf({ kty: 'EC', crv: 'P-256' })).toBe('ES256');
    expect(() => algorithmOf({ kty: 'RSA' })).toThrow(/Ed25519/);
    expect(() => algorithmOf({ kty: 'oct', alg: 'HS256' })).toThrow(/HS256/);
  });

  it('refuses a bad kid or lifetime', async () => {
    const { privateJwk } = await generateSigningKey();
    expect(() => createTokenSigner({ privateJwk, kid: 'a/b', issuer: 'i', audience: 'a', ttlSeconds: 60 })).toThrow(/kid/);
    expect(() => createTokenSigner({ privateJwk, kid: 'k', issuer: 'i', audience: 'a', ttlSeconds: 0 })).toThrow(/ttlSeconds/);
  });
});

describe('bearerToken', () => {
  it('extracts only well-formed bearer credentials', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('Bearer a.b.c extra')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
