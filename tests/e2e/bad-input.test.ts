import { SignJWT, base64url, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner, generateSigningKey } from '../../layers/auth';
import { serviceDb } from '../../layers/connections';
import { expectProblem } from './support/problems';
import { newTenant, productBody, startSystem, type System } from './support/system';

/**
 * Every bad input answers a 4xx RFC 9457 problem and changes nothing: the tenant's products
 * (and their pending events) are counted before and after each attempt.
 */
let system: System;
let tenant: string;
let token: string;
let productId: string;

const productCount = async (tenantId: string) => (await serviceDb('products')).collection('products').countDocuments({ tenantId });

beforeAll(async () => {
  system = await startSystem();
  tenant = newTenant();
  token = await system.token({ tenant });
  const created = await system.call<{ id: string }>('products-create', {
    method: 'POST',
    token,
    body: productBody(),
    headers: { 'idempotency-key': `seed-${tenant}` },
  });
  productId = created.body.id;
});
afterAll(async () => system?.stop());

const create = (init: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string }) =>
  system.call('products-create', {
    method: 'POST',
    token: init.token ?? token,
    body: init.body,
    rawBody: init.rawBody,
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID(), ...init.headers },
  });

const unchanged = async (attempt: () => Promise<void>) => {
  const before = await productCount(tenant);
  await attempt();
  expect(await productCount(tenant)).toBe(before);
};

const fakeAlgNone = (claims: Record<string, unknown>) =>
  `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(claims))}.`;

describe('bad input never changes anything', () => {
  it('malformed JSON → 400', () => unchanged(async () => expectProblem(await create({ rawBody: '{"name": "half' }), 400, 'malformed_json')));

  it('wrong types → 400 naming each field', () =>
    unchanged(async () => {
      const reply = await create({ body: productBody({ name: 42, price: { amount: '12', currency: 'euro' } }) });
      expectProblem(reply, 400, 'validation_failed');
      const paths = (reply.body as { errors: { path: string }[] }).errors.map((e) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.price.amount', 'body.price.currency']));
    }));

  it('oversized body → 413', () => unchanged(async () => expectProblem(await create({ body: productBody({ description: 'x'.repeat(300_000) }) }), 413)));

  it.each([
    ['$ne in a field', { storeId: { $ne: null } }],
    ['$where in a nested field', { variants: [{ sku: 'A', name: 'a', attributes: { $where: 'sleep(100)' } }] }],
    ['a dotted key', { 'price.amount': 1 }],
  ])('%s → 400', (_name, overrides) => unchanged(async () => expectProblem(await create({ body: { ...productBody(), ...overrides } }), 400, 'forbidden_key')));

  it('operators in a query string → 400', async () => {
    expectProblem(await system.call('products-list', { path: '?storeId[$ne]=x', token }), 400, 'validation_failed');
    expectProblem(await system.call('products-search', { path: '?q[$where]=1', token }), 400, 'validation_failed');
  });

  it('no token → 401', () =>
    unchanged(async () =>
      expectProblem(await system.call('products-create', { method: 'POST', body: productBody(), headers: { 'idempotency-key': 'k1' } }), 401, 'token_missing'),
    ));

  it('a token signed by another key → 401', async () => {
    const other = await generateSigningKey();
    const forged = await createTokenSigner({
      privateJwk: other.privateJwk,
      kid: other.kid,
      issuer: 'https://auth.marketplace.local',
      audience: 'marketplace-api',
      ttlSeconds: 60,
    }).sign({ sub: 'u', tid: tenant, roles: ['owner'] });
    await unchanged(async () => expectProblem(await create({ body: productBody(), token: forged }), 401));
  });

  it('an expired token → 401', async () => {
    const key = await generateSigningKey();
    const expired = await new SignJWT({ tid: tenant, roles: ['owner'] })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid })
      .setSubject('u')
      .setIssuer('https://auth.marketplace.local')
      .setAudience('marketplace-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(await importJWK(key.privateJwk, 'EdDSA'));
    await unchanged(async () => expectProblem(await create({ body: productBody(), token: expired }), 401));
  });

  it("an 'alg: none' token → 401", () =>
    unchanged(async () => {
      const none = fakeAlgNone({
        sub: 'u',
        tid: tenant,
        roles: ['owner'],
        iss: 'https://auth.marketplace.local',
        aud: 'marketplace-api',
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      expectProblem(await create({ body: productBody(), token: none }), 401);
    }));

  it("another tenant's product id → 404, and nothing changes for its owner", async () => {
    const intruder = await system.token({ tenant: newTenant() });
    expectProblem(await system.call('products-get', { path: `/${productId}`, token: intruder }), 404);
    expectProblem(
      await system.call('products-update', {
        method: 'PATCH',
        path: `/${productId}`,
        token: intruder,
        body: { name: 'pwned' },
        headers: { 'if-match': '"1"' },
      }),
      404,
    );
    expectProblem(await system.call('products-delete', { method: 'DELETE', path: `/${productId}`, token: intruder, headers: { 'if-match': '"1"' } }), 404);
    const mine = await system.call<{ name: string; version: number }>('products-get', { path: `/${productId}`, token });
    expect(mine.body).toMatchObject({ name: productBody().name, version: 1 });
  });

  it('a low role on a privileged operation → 403', () =>
    unchanged(async () => {
      const customer = await system.token({ tenant, roles: ['customer'] });
      expectProblem(await create({ body: productBody(), token: customer }), 403, 'insufficient_role');
      expectProblem(await system.call('audit-verify', { method: 'POST', token: customer }), 403, 'insufficient_role');
    }));

  it('an idempotency key replayed with another body → 422; with the same body → the first response', async () => {
    const key = `replay-${tenant}`;
    const first = await create({ body: productBody({ name: 'Once Only' }), headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    await unchanged(async () => {
      const again = await create({ body: productBody({ name: 'Once Only' }), headers: { 'idempotency-key': key } });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expectProblem(await create({ body: productBody({ name: 'Something Else' }), headers: { 'idempotency-key': key } }), 422, 'idempotency_key_reused');
    });
  });

  it('a missing Idempotency-Key or If-Match → 400 / 400', async () => {
    await unchanged(async () =>
      expectProblem(await system.call('products-create', { method: 'POST', token, body: productBody() }), 400, 'idempotency_key_missing'),
    );
    expectProblem(await system.call('products-update', { method: 'PATCH', path: `/${productId}`, token, body: { name: 'x' } }), 400, 'validation_failed');
    expectProblem(
      await system.call('products-update', { method: 'PATCH', path: `/${productId}`, token, body: { name: 'x' }, headers: { 'if-match': '"9"' } }),
      412,
      'precondition_failed',
    );
  });

  it('an unknown function or route → 404 problem, a wrong method → 405', async () => {
    expectProblem(await system.call('products-nope'), 404);
    expectProblem(await system.call('products-get', { method: 'DELETE', path: `/${productId}`, token }), 405, 'method_not_allowed');
  });
});
