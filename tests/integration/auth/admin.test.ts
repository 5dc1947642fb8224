import { randomBytes } from 'node:crypto';
import { SignJWT, createLocalJWKSet, importJWK, type JWK } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner, generateSigningKey, jwtAuth } from '../../../layers/auth';
import { closeConnections, redis } from '../../../layers/connections';
import { attributesOf, toHeaders } from '../../../layers/events/cloudevent';
import { forgetTenantPlan, writeTenantPlan } from '../../../layers/plans/projection';
import { usageKey } from '../../../layers/plans/quota';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';
import { STRONG, issuedCode, loadAuth, login, outboxOf, rawUser, signUp } from './support';

/**
 * Password reset, role grants, the onboarding saga's auth steps, and key rotation, through the
 * functions against FerretDB and Redis. The JWKS holds a previous key beside the current one.
 */
let fns: Awaited<ReturnType<typeof loadAuth>>;
let sign: Awaited<ReturnType<typeof useTestKeys>>;
let previous: Awaited<ReturnType<typeof generateSigningKey>>;

beforeAll(async () => {
  sign = await useTestKeys();
  previous = await generateSigningKey('ES256');
  // A rotation in progress: the test key signs, the previous one is still published.
  process.env.AUTH_SIGNING_KEYS = JSON.stringify([sign.key.privateJwk, previous.privateJwk]);
  process.env.BCRYPT_COST = '6';
  fns = await loadAuth();
});
afterAll(closeConnections);

type Tokens = { accessToken: string; refreshToken: string };
const post = <T = Record<string, unknown>>(fn: keyof typeof fns, body: unknown, extra: { token?: string; headers?: Record<string, string> } = {}) =>
  invoke<T>(fns[fn], { method: 'POST', body, ...extra });

const NEW_PASSWORD = 'saffron-Kettle-58-drifting';

describe('password reset', () => {
  it('answers 202 alike for known and unknown addresses; the token is single use, revokes sessions and clears the lockout', async () => {
    const { email, userId } = await signUp(fns);
    const session = (await login(fns, { email, password: STRONG })).body as unknown as Tokens;
    for (let i = 0; i < 5; i += 1) await login(fns, { email, password: 'Wrong-password-42-x' });
    expect((await login(fns, { email, password: STRONG })).status).toBe(423);

    const known = await post('password-reset-request', { email });
    const unknown = await post('password-reset-request', { email: `nobody-${uuidv7()}@example.test` });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(known.body).toEqual(unknown.body);
    const { code: token, channel } = await issuedCode(userId, 'password-reset');
    expect(channel).toBe('email');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // A weak password is refused and leaves the token good.
    expect(await post('password-reset-confirm', { token, password: 'password1234' })).toMatchObject({ status: 422, body: { code: 'weak_password' } });
    expect((await post('password-reset-confirm', { token, password: NEW_PASSWORD })).status).toBe(204);
    expect(await post('password-reset-confirm', { token, password: NEW_PASSWORD })).toMatchObject({ status: 400, body: { code: 'invalid_token' } });

    expect((await post('refresh', { refreshToken: session.refreshToken })).body).toMatchObject({ code: 'refresh_token_invalid' });
    expect((await login(fns, { email, password: STRONG })).status).toBe(401);
    expect((await login(fns, { email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('a newer request replaces the older token; a made-up token is refused', async () => {
    const { email, userId } = await signUp(fns, { verify: false });
    await post('password-reset-request', { email });
    const first = (await issuedCode(userId, 'password-reset')).code;
    await post('password-reset-request', { email });
    const second = (await issuedCode(userId, 'password-reset')).code;
    expect(await post('password-reset-confirm', { token: first, password: NEW_PASSWORD })).toMatchObject({ status: 400, body: { code: 'invalid_token' } });
    expect(await post('password-reset-confirm', { token: randomBytes(32).toString('base64url'), password: NEW_PASSWORD })).toMatchObject({ status: 400 });
    expect((await post('password-reset-confirm', { token: second, password: NEW_PASSWORD })).status).toBe(204);
    // The link came through the mailbox: the address counts as verified now.
    expect((await rawUser(userId))!.status).toBe('active');
  });
});

/** A tenant provisioned for a fresh seller, through the consumer, and that owner's tokens. */
const provisionedTenant = async () => {
  const owner = await signUp(fns);
  const first = (await login(fns, { email: owner.email, password: STRONG })).body as unknown as Tokens;
  const requested = await post(
    'onboarding-complete',
    { tenant: { name: 'Kiln & Co', slug: `kiln-${uuidv7().slice(-8)}`, type: 'SELLER_BUSINESS', plan: 'FREE' } },
    {
      token: first.accessToken,
      headers: idempotencyKey(),
    },
  );
  expect(requested).toMatchObject({ status: 202, body: { status: 'requested', tenantId: owner.tenantId } });
  const [asked] = (await outboxOf(owner.userId)).filter((e) => e.type === 'auth.user.onboarding-completed.v1');
  expect(asked).toMatchObject({ tenantId: owner.tenantId, subject: owner.userId });
  const { makeAssignTenant } = await import('../../../functions/auth/on-tenant-provisioned');
  const { authDeps } = await import('../../../functions/auth/deps');
  const event = provisionedEvent(owner.tenantId, owner.userId, owner.email);
  expect(await makeAssignTenant(await authDeps())(event)).toBe('assigned');
  expect(await makeAssignTenant(await authDeps())(event)).toBe('unchanged');
  const refreshed = (await post<Tokens>('refresh', { refreshToken: first.refreshToken })).body;
  return { ...owner, tokens: refreshed };
};

const provisionedEvent = (tenantId: string, ownerUserId: string, ownerEmail: string) => ({
  id: uuidv7(),
  type: 'tenant.tenant.provisioned.v1',
  source: 'tenant-on-onboarding-completed',
  subject: tenantId,
  time: new Date().toISOString(),
  tenantId,
  correlationId: uuidv7(),
  data: { ownerUserId, ownerEmail, ownerName: 'Ada Lovelace', name: 'Kiln & Co', slug: 'kiln-and-co', type: 'SELLER_BUSINESS' as const, plan: 'FREE' as const },
});

describe('onboarding saga steps', () => {
  it('onboarding → provisioned: the seller becomes owner (after a refresh), customers may register in the tenant', async () => {
    const owner = await provisionedTenant();
    const me = await invoke(fns.me, { token: owner.tokens.accessToken });
    expect(me.body).toMatchObject({ roles: ['owner'], tenantId: owner.tenantId, onboarding: { status: 'provisioned' } });
    expect((await outboxOf(owner.userId)).filter((e) => e.type === 'auth.user.tenant-assigned.v1')).toHaveLength(1);
    const customer = await signUp(fns, { tenantId: owner.tenantId });
    expect(customer.tenantId).toBe(owner.tenantId);
    // The same email is another account in another realm.
    const again = await post('register', { email: customer.email, password: STRONG, name: 'Same Person' }, { headers: idempotencyKey() });
    expect(again.status).toBe(201);
    // Onboarding twice is refused.
    expect(
      (
        await post(
          'onboarding-complete',
          { tenant: { name: 'Again', slug: 'again-shop', type: 'SELLER_INDIVIDUAL', plan: 'FREE' } },
          {
            token: owner.tokens.accessToken,
            headers: idempotencyKey(),
          },
        )
      ).body,
    ).toMatchObject({ code: 'already_onboarded' });
  });

  it('refuses onboarding before the email is verified', async () => {
    const seller = await signUp(fns, { verify: false });
    const tokens = (await login(fns, { email: seller.email, password: STRONG })).body as unknown as Tokens;
    const reply = await post(
      'onboarding-complete',
      { tenant: { name: 'Early', slug: 'early-bird', type: 'SELLER_INDIVIDUAL', plan: 'FREE' } },
      {
        token: tokens.accessToken,
        headers: idempotencyKey(),
      },
    );
    expect(reply).toMatchObject({ status: 403, body: { code: 'email_not_verified' } });
    expect((await outboxOf(seller.userId)).some((e) => e.type === 'auth.user.onboarding-completed.v1')).toBe(false);
  });

  it('rollback: the user ends soft-deleted, signed out, and the email free again; a redelivery changes nothing', async () => {
    const seller = await signUp(fns);
    const tokens = (await login(fns, { email: seller.email, password: STRONG })).body as unknown as Tokens;
    // Delivered as the trigger connector delivers it: a binary-mode CloudEvent, twice.
    const { tenantProvisioningFailed } = await import('../../../functions/tenant/events');
    const entry = tenantProvisioningFailed.create({
      subject: seller.tenantId,
      tenantId: seller.tenantId,
      source: 'tenant-on-onboarding-completed',
      data: { ownerUserId: seller.userId, code: 'slug_taken', reason: 'The slug is taken.' },
    });
    const consumer = (await import('../../../functions/auth/on-user-rollback')) as Parameters<typeof invoke>[0];
    const deliver = () => invoke(consumer, { method: 'POST', headers: toHeaders(attributesOf(entry), 'ce-'), body: JSON.parse(entry.data) });
    expect(await deliver()).toMatchObject({ status: 200, body: { status: 'processed' } });
    expect(await deliver()).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    // The core alone, run again (an inbox lost): it changes nothing more.
    const { makeRollbackUser } = await import('../../../functions/auth/on-user-rollback');
    const { authDeps } = await import('../../../functions/auth/deps');
    expect(await makeRollbackUser(await authDeps())({ ...entry, data: JSON.parse(entry.data) })).toBe('unchanged');
    expect(await rawUser(seller.userId)).toMatchObject({ status: 'soft_deleted', deletedAt: expect.any(Date) });
    expect((await outboxOf(seller.userId)).filter((e) => e.type === 'auth.user.soft-deleted.v1')).toHaveLength(1);
    expect((await post('refresh', { refreshToken: tokens.refreshToken })).status).toBe(401);
    expect((await login(fns, { email: seller.email, password: STRONG })).status).toBe(401);
    expect((await invoke(fns.me, { token: tokens.accessToken })).status).toBe(404);
    const again = await post('register', { email: seller.email, password: STRONG, name: 'Second Try' }, { headers: idempotencyKey() });
    expect(again.status).toBe(201);
  });
});

describe('roles-assign', () => {
  it('an owner makes a verified customer staff (taking a seat), never an owner; an admin cannot touch another admin', async () => {
    const owner = await provisionedTenant();
    const redisClient = await redis();
    // What the tenant service keeps for the edges: the tenant is on FREE (2 staff seats), none used.
    await writeTenantPlan(owner.tenantId, { plan: 'FREE', type: 'SELLER_BUSINESS', status: 'active', version: 1 }, redisClient);
    await redisClient.del(usageKey(owner.tenantId));
    forgetTenantPlan(owner.tenantId);
    const alice = await signUp(fns, { tenantId: owner.tenantId });
    const bob = await signUp(fns, { tenantId: owner.tenantId });
    const carol = await signUp(fns, { tenantId: owner.tenantId });
    const token = owner.tokens.accessToken;

    expect(await post('roles-assign', { userId: alice.userId, roles: ['owner'] }, { token })).toMatchObject({
      status: 403,
      body: { code: 'role_above_own_level' },
    });
    const made = await post('roles-assign', { userId: alice.userId, roles: ['admin'] }, { token });
    expect(made).toMatchObject({ status: 200, body: { id: alice.userId, roles: ['admin'] } });
    expect((await outboxOf(alice.userId)).filter((e) => e.type === 'auth.role.assigned.v1').map((e) => JSON.parse(e.data))).toEqual([
      { userId: alice.userId, roles: ['admin'], grantedBy: owner.userId },
    ]);
    expect(await post('roles-assign', { userId: bob.userId, roles: ['staff'] }, { token })).toMatchObject({ status: 200 });
    expect(await redisClient.hget(usageKey(owner.tenantId), 'staffSeats')).toBe('2');

    // FREE has 2 staff seats: a third is a plan limit, named.
    expect(await post('roles-assign', { userId: carol.userId, roles: ['manager'] }, { token })).toMatchObject({
      status: 403,
      body: { code: 'plan_limit_exceeded', limit: { resource: 'staffSeats', max: 2, plan: 'FREE' } },
    });
    expect((await rawUser(carol.userId))!.roles).toEqual(['customer']);

    // Alice (admin) signs in: she may not change an admin (herself), nor grant admin.
    const aliceTokens = (await login(fns, { email: alice.email, password: STRONG, tenantId: owner.tenantId })).body as unknown as Tokens;
    expect((await post('roles-assign', { userId: alice.userId, roles: ['customer'] }, { token: aliceTokens.accessToken })).body).toMatchObject({
      code: 'role_above_own_level',
    });
    expect((await post('roles-assign', { userId: bob.userId, roles: ['admin'] }, { token: aliceTokens.accessToken })).body).toMatchObject({
      code: 'role_above_own_level',
    });
    // Bob back to customer frees his seat; then Carol fits.
    expect((await post('roles-assign', { userId: bob.userId, roles: ['customer'] }, { token: aliceTokens.accessToken })).status).toBe(200);
    expect(await post('roles-assign', { userId: carol.userId, roles: ['manager'] }, { token: aliceTokens.accessToken })).toMatchObject({ status: 200 });
  });

  it("another tenant's user is 404; a staff caller is 403; a pending user cannot become staff", async () => {
    const owner = await provisionedTenant();
    const stranger = await signUp(fns);
    const pending = await signUp(fns, { tenantId: owner.tenantId, verify: false });
    const token = owner.tokens.accessToken;
    expect((await post('roles-assign', { userId: stranger.userId, roles: ['staff'] }, { token })).status).toBe(404);
    expect((await rawUser(stranger.userId))!.roles).toEqual(['customer']);
    expect((await post('roles-assign', { userId: pending.userId, roles: ['staff'] }, { token })).body).toMatchObject({ code: 'email_not_verified' });
    expect((await post('roles-assign', { userId: pending.userId, roles: ['staff'] }, { token: await sign(owner.tenantId, ['staff']) })).status).toBe(403);
  });
});

describe('signing keys and verification', () => {
  const verifyWith = async (jwks: { keys: JWK[] }, token: string) => {
    const middleware = jwtAuth({ jwks: createLocalJWKSet(jwks as never), cacheSize: 0 });
    const request = { event: { headers: { authorization: `Bearer ${token}` } }, context: {} } as never;
    await middleware.before!(request);
    return (request as { context: { actor: { userId: string } } }).context.actor;
  };
  const jwksDoc = async () => {
    const reply = await invoke<{ keys: JWK[] }>(fns.jwks);
    expect(reply.headers['cache-control']).toBe('public, max-age=300');
    return reply.body;
  };

  it('publishes the current and the previous key (public halves only); tokens of both verify', async () => {
    const jwks = await jwksDoc();
    expect(jwks.keys.map((k) => k.kid)).toEqual([sign.key.kid, previous.kid]);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    const { email, userId } = await signUp(fns);
    const issued = ((await login(fns, { email, password: STRONG })).body as unknown as Tokens).accessToken;
    expect(await verifyWith(jwks, issued)).toMatchObject({ userId });
    const old = createTokenSigner({
      privateJwk: previous.privateJwk,
      kid: previous.kid,
      issuer: 'https://auth.marketplace.local',
      audience: 'marketplace-api',
      ttlSeconds: 60,
    });
    expect(await verifyWith(jwks, await old.sign({ sub: 'u-old', tid: 't-old', roles: ['customer'] }))).toMatchObject({ userId: 'u-old' });
  });

  it.each([
    [
      'alg none',
      async () =>
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: sign.key.kid })).toString('base64url')}.${Buffer.from(
          JSON.stringify({ sub: 'x', tid: 't', roles: ['owner'], iss: 'https://auth.marketplace.local', aud: 'marketplace-api', exp: 9_999_999_999, iat: 1 }),
        ).toString('base64url')}.`,
    ],
    [
      'HS256 signed with the public key',
      async () =>
        new SignJWT({ tid: 't', roles: ['owner'] })
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: sign.key.kid })
          .setSubject('x')
          .setIssuer('https://auth.marketplace.local')
          .setAudience('marketplace-api')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(JSON.stringify(sign.key.publicJwk))),
    ],
    ['another issuer', async () => signedWith({ issuer: 'https://evil.example' })],
    ['another audience', async () => signedWith({ audience: 'other-api' })],
    ['a key not in the set', async () => signedWith({}, await generateSigningKey())],
  ])('refuses a token with %s (401) through jwtAuth and through a function', async (_what, forge) => {
    const token = await forge();
    await expect(verifyWith(await jwksDoc(), token)).rejects.toMatchObject({ status: 401 });
    expect((await invoke(fns.me, { token })).status).toBe(401);
  });
});

const signedWith = async (claims: { issuer?: string; audience?: string }, key = { privateJwk: JSON.parse(process.env.AUTH_SIGNING_KEYS!)[0] as JWK }) => {
  const privateJwk = key.privateJwk;
  return new SignJWT({ tid: 't', roles: ['owner'] })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: privateJwk.kid! })
    .setSubject('x')
    .setIssuer(claims.issuer ?? 'https://auth.marketplace.local')
    .setAudience(claims.audience ?? 'marketplace-api')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(privateJwk, 'EdDSA'));
};
