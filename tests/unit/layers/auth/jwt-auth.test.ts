import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import middy from '@middy/core';
import { SignJWT, base64url, createLocalJWKSet, importJWK, type JWTVerifyGetKey } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenSigner, generateSigningKey, jwtAuth, toJwks, type SigningKey, type TokenSigner } from '../../../../layers/auth';
import { resetConfigCache } from '../../../../layers/config';
import { httpErrors } from '../../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../../layers/http/types';
import { functionContext, httpEvent } from '../http/fixtures';

const ISSUER = 'https://auth.marketplace.local';
const AUDIENCE = 'marketplace-api';

let key: SigningKey;
let otherKey: SigningKey;
let signer: TokenSigner;
let jwks: JWTVerifyGetKey;

beforeAll(async () => {
  key = await generateSigningKey();
  otherKey = await generateSigningKey();
  signer = createTokenSigner({ privateJwk: key.privateJwk, kid: key.kid, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 });
  jwks = createLocalJWKSet(toJwks([key.publicJwk]));
});

afterEach(() => {
  vi.useRealTimers();
  delete process.env.JWKS;
  delete process.env.JWKS_URL;
  resetConfigCache();
});

/** A handler behind httpErrors and jwtAuth that echoes what auth put on the context. */
const protectedHandler = (opts: Parameters<typeof jwtAuth>[0] = { jwks }) =>
  middy<HttpEvent, HttpResponse, Error, FunctionContext>()
    .use(httpErrors())
    .use(jwtAuth(opts))
    .handler(async (_event, context) => ({ statusCode: 200, headers: {}, body: { actor: context.actor, tenantId: context.tenantId } }));

const call = (authorization: string | undefined, opts?: Parameters<typeof jwtAuth>[0]) =>
  protectedHandler(opts)(httpEvent({ method: 'GET', headers: authorization === undefined ? {} : { authorization } }), functionContext());

const claims = { sub: 'user-1', tid: 'tenant-a', roles: ['manager' as const], jti: 'token-1' };

const unauthorized = (code: string, detail: string) => ({
  statusCode: 401,
  headers: { 'www-authenticate': 'Bearer', 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  body: { type: `https://docs.marketplace.dev/problems/${code}`, title: 'Unauthorized', status: 401, detail, instance: 'urn:request:req-1', code },
});

const INVALID = 'The access token is invalid.';

/** Signs arbitrary header and claims with a key, for tokens our signer would never produce. */
const forge = async (header: Record<string, unknown>, payload: Record<string, unknown>, signingKey = key): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, sub: 'user-1', tid: 'tenant-a', roles: ['staff'], ...payload })
    .setProtectedHeader({ alg: 'EdDSA', kid: signingKey.kid, typ: 'at+jwt', ...header } as never)
    .sign(await importJWK(signingKey.privateJwk, 'EdDSA'));
};

const encode = (value: unknown): string => base64url.encode(JSON.stringify(value));

describe('jwtAuth', () => {
  it('verifies a token from createTokenSigner and sets actor and tenantId', async () => {
    const response = await call(`Bearer ${await signer.sign(claims)}`);
    expect(response).toEqual({
      statusCode: 200,
      headers: {},
      body: { actor: { userId: 'user-1', tenantId: 'tenant-a', roles: ['manager'], level: 60, tokenId: 'token-1' }, tenantId: 'tenant-a' },
    });
  });

  it('accepts the scheme in any case and ES256 keys', async () => {
    const es = await generateSigningKey('ES256');
    const esSigner = createTokenSigner({ privateJwk: es.privateJwk, kid: es.kid, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60 });
    const token = await esSigner.sign({ sub: 'u', tid: 't', roles: ['customer'] });
    const response = await call(`bearer ${token}`, { jwks: createLocalJWKSet(toJwks([es.publicJwk, key.publicJwk])) });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ actor: { userId: 'u', tenantId: 't', roles: ['customer'], level: 10 } });
    expect((response.body as { actor: { tokenId: string } }).actor.tokenId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare scheme', 'Bearer '],
  ])('answers 401 token_missing to %s', async (_name, header) => {
    expect(await call(header)).toEqual(unauthorized('token_missing', 'A bearer access token is required.'));
  });

  it('answers 401 token_expired past exp plus the clock tolerance, and accepts within it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const token = await signer.sign(claims);
    vi.setSystemTime(new Date('2030-01-01T00:05:04Z')); // 4 s past exp, tolerance 5 s
    expect((await call(`Bearer ${token}`)).statusCode).toBe(200);
    vi.setSystemTime(new Date('2030-01-01T00:05:06Z'));
    expect(await call(`Bearer ${token}`)).toEqual(unauthorized('token_expired', 'The access token has expired.'));
  });

  it('refuses a token not yet valid', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:01:00Z'));
    const token = await signer.sign(claims);
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    expect(await call(`Bearer ${token}`)).toEqual(unauthorized('token_invalid', INVALID));
  });

  it('refuses alg none', async () => {
    const token = `${encode({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${encode({ sub: 'user-1', tid: 'tenant-a', roles: ['owner'], iss: ISSUER, aud: AUDIENCE })}.`;
    expect(await call(`Bearer ${token}`)).toEqual(unauthorized('token_invalid', INVALID));
  });

  it('refuses HS256, including HS256 keyed with the public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 60, sub: 'user-1', tid: 'tenant-a', roles: ['platform'] };
    const secrets = [base64url.decode(key.publicJwk.x as string), new TextEncoder().encode(JSON.stringify(key.publicJwk))];
    for (const secret of secrets) {
      const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' }).sign(secret);
      expect(await call(`Bearer ${token}`)).toEqual(unauthorized('token_invalid', INVALID));
    }
    // Even a key set that holds an HMAC key does not make HS256 acceptable.
    const secret = new TextEncoder().encode('s'.repeat(32));
    const hmacJwks = createLocalJWKSet({ keys: [{ kty: 'oct', k: base64url.encode(secret), kid: 'hmac', alg: 'HS256' }] });
    const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: 'hmac', typ: 'at+jwt' }).sign(secret);
    expect(await call(`Bearer ${token}`, { jwks: hmacJwks })).toEqual(unauthorized('token_invalid', INVALID));
  });

  it('refuses a signature by another key under our kid, and a tampered payload', async () => {
    const foreign = await forge({ kid: key.kid }, {}, { ...otherKey, kid: key.kid });
    expect(await call(`Bearer ${foreign}`)).toEqual(unauthorized('token_invalid', INVALID));
    const [header, , signature] = (await signer.sign(claims)).split('.');
    const tampered = `${header}.${encode({ sub: 'user-1', tid: 'tenant-b', roles: ['owner'], iss: ISSUER, aud: AUDIENCE, exp: 4e9, iat: 1 })}.${signature}`;
    expect(await call(`Bearer ${tampered}`)).toEqual(unauthorized('token_invalid', INVALID));
  });

  it.each([
    ['another issuer', {}, { iss: 'https://evil.example' }],
    ['another audience', {}, { aud: 'other-api' }],
    ['typ JWT', { typ: 'JWT' }, {}],
    ['no typ', { typ: undefined }, {}],
    ['an unknown role', {}, { roles: ['god'] }],
    ['no roles', {}, { roles: [] }],
    ['no tenant', {}, { tid: undefined }],
    ['no exp', {}, { exp: undefined }],
  ])('refuses a token with %s', async (_name, header, payload) => {
    expect(await call(`Bearer ${await forge(header, payload)}`)).toMatchObject({ statusCode: 401, body: { code: 'token_invalid' } });
  });

  it('accepts typ application/at+jwt, the long form of at+jwt', async () => {
    expect((await call(`Bearer ${await forge({ typ: 'application/at+jwt' }, {})}`)).statusCode).toBe(200);
  });

  it.each([
    ['no kid', { kid: undefined }],
    ['a kid with path characters', { kid: '../../etc/passwd' }],
    ['a kid longer than 64 characters', { kid: 'k'.repeat(65) }],
    ['a kid no key has', { kid: 'unknown-kid' }],
  ])('refuses a token with %s', async (_name, header) => {
    const response = await call(`Bearer ${await forge(header, {})}`);
    expect(response).toMatchObject({ statusCode: 401, body: { code: 'token_invalid' } });
  });

  it('refuses garbage and oversized tokens', async () => {
    expect(await call('Bearer not-a-jwt')).toEqual(unauthorized('token_invalid', 'The access token is malformed.'));
    expect(await call(`Bearer ${'a'.repeat(9000)}`)).toEqual(unauthorized('token_invalid', 'The access token is too long.'));
  });

  it('reads the key set from the JWKS variable', async () => {
    process.env.JWKS = JSON.stringify(toJwks([key.publicJwk]));
    resetConfigCache();
    expect((await call(`Bearer ${await signer.sign(claims)}`, {})).statusCode).toBe(200);
  });

  it('answers 500 without internals when no key source is configured, but 401 to anonymous calls', async () => {
    resetConfigCache();
    expect((await call(undefined, {})).statusCode).toBe(401);
    expect(await call(`Bearer ${await signer.sign(claims)}`, {})).toMatchObject({
      statusCode: 500,
      body: { code: 'internal_error', detail: 'An unexpected error occurred.' },
    });
    process.env.JWKS = '{not json';
    resetConfigCache();
    expect((await call(`Bearer ${await signer.sign(claims)}`, {})).statusCode).toBe(500);
    process.env.JWKS = '{"keys":"nope"}';
    resetConfigCache();
    expect((await call(`Bearer ${await signer.sign(claims)}`, {})).statusCode).toBe(500);
  });

  it('refuses options that would allow other algorithms or absurd clock skew', () => {
    expect(() => jwtAuth({ algorithms: ['HS256' as never] })).toThrow(TypeError);
    expect(() => jwtAuth({ algorithms: [] })).toThrow(TypeError);
    expect(() => jwtAuth({ clockToleranceSeconds: 3600 })).toThrow(TypeError);
  });

  it('honours issuer and audience options over the config', async () => {
    const token = await signer.sign(claims);
    expect((await call(`Bearer ${token}`, { jwks, audience: 'other-api' })).statusCode).toBe(401);
    expect((await call(`Bearer ${token}`, { jwks, issuer: ISSUER, audience: AUDIENCE })).statusCode).toBe(200);
  });
});

describe('jwtAuth with JWKS_URL', () => {
  let server: Server;
  let status = 200;
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(toJwks([key.publicJwk])));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const useUrl = (path: string) => {
    process.env.JWKS_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
    resetConfigCache();
  };

  it('fetches the key set once and reuses it across requests', async () => {
    useUrl('/ok/.well-known/jwks.json');
    const token = await signer.sign(claims);
    expect((await call(`Bearer ${token}`, {})).statusCode).toBe(200);
    expect((await call(`Bearer ${token}`, {})).statusCode).toBe(200);
    expect(fetches).toBe(1);
  });

  it('answers 503 jwks_unavailable when the key set cannot be fetched', async () => {
    status = 500;
    useUrl('/down/.well-known/jwks.json');
    expect(await call(`Bearer ${await signer.sign(claims)}`, {})).toEqual({
      statusCode: 503,
      headers: { 'retry-after': '1', 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: {
        type: 'https://docs.marketplace.dev/problems/jwks_unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'The token signing keys are unavailable; retry later.',
        instance: 'urn:request:req-1',
        code: 'jwks_unavailable',
      },
    });
    status = 200;
  });
});
