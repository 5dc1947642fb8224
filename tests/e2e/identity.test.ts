import { SignJWT } from 'jose';
import { generate } from 'otplib';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCode, startMailbox, type Mailbox } from '../support/mailbox';
import { eventually, productBody, startSystem, type System } from './support/system';

/**
 * The identity flows end to end, through the gateway, over real Kafka, FerretDB, Redis and SMTP:
 * a seller registers, verifies their email with the code the notification service mailed,
 * onboards (auth → tenant provisions → auth makes them owner, notification welcomes), signs in
 * with each kind of second factor, rotates and reuses refresh tokens, and logs out; and the
 * onboarding saga's compensation soft-deletes a user whose tenant cannot be provisioned.
 */
interface Tokens {
  accessToken: string;
  refreshToken: string;
}
interface Challenge {
  twoFactorRequired: true;
  challengeId: string;
  method: string;
}
interface Problem {
  code: string;
  status: number;
}

let system: System;
let mailbox: Mailbox;

beforeAll(async () => {
  mailbox = await startMailbox();
  Object.assign(process.env, mailbox.env);
  system = await startSystem();
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await mailbox?.stop();
});

const PASSWORD = 'correct horse battery staple 42';
const newEmail = (who: string) => `${who}-${uuidv7()}@example.com`;
const post = <T>(fn: string, body: unknown, extra: { token?: string; headers?: Record<string, string> } = {}) =>
  system.call<T>(fn, { method: 'POST', body, ...extra });

const mailTo = (email: string, subject: RegExp) => mailbox.smtp.waitFor((m) => m.to.includes(email) && subject.test(m.subject), 20_000);

/** Registers and verifies through the emailed code; returns the new user's ids. */
const registerVerified = async (email: string, extra: { tenantId?: string } = {}) => {
  const registered = await post<{ userId: string; tenantId: string; status: string }>(
    'auth-register',
    { email, password: PASSWORD, name: 'Ada Lovelace', ...extra },
    { headers: { 'idempotency-key': uuidv7() } },
  );
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  expect(registered.body.status).toBe('pending_verification');
  const code = extractCode(await mailTo(email, /verif/i));
  const verified = await post<{ status: string }>('auth-verify-email', { email, code, ...extra });
  expect(verified, JSON.stringify(verified.body)).toMatchObject({ status: 200, body: { status: 'active' } });
  return registered.body;
};

const login = (email: string, extra: { tenantId?: string } = {}) => post<Tokens | Challenge>('auth-login', { email, password: PASSWORD, ...extra });

const tokensOf = (reply: { status: number; body: unknown }): Tokens => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const body = reply.body as Tokens;
  expect(body.accessToken).toEqual(expect.any(String));
  return body;
};

const challengeOf = (reply: { status: number; body: unknown }, method: string): Challenge => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.body).toMatchObject({ twoFactorRequired: true, method });
  return reply.body as Challenge;
};

const onboard = async (token: string, slug: string, plan = 'PRO') => {
  const reply = await post(
    'auth-onboarding-complete',
    { tenant: { name: `Shop ${slug}`, slug, type: 'SELLER_BUSINESS', plan } },
    {
      token,
      headers: { 'idempotency-key': uuidv7() },
    },
  );
  expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
};

describe('a seller from registration to logout', () => {
  let email: string;
  let tenantId: string;
  let ownerTokens: Tokens;

  it('registers, verifies the emailed code, onboards, and becomes the owner of a provisioned tenant', async () => {
    email = newEmail('seller');
    ({ tenantId } = await registerVerified(email));
    const first = tokensOf(await login(email));
    const slug = `shop-${uuidv7().slice(-12)}`;
    await onboard(first.accessToken, slug);

    // The saga: tenant provisions, auth makes the user owner; a refresh carries the new role.
    ownerTokens = await eventually(
      async () => {
        const me = await system.call<{ roles: string[] }>('auth-me', { token: first.accessToken });
        if (!me.body.roles.includes('owner')) return undefined;
        return tokensOf(await post('auth-refresh', { refreshToken: first.refreshToken }));
      },
      'the owner role',
      30_000,
    );
    const tenant = await system.call<{ id: string; slug: string; plan: string; type: string }>('tenant-get', { token: ownerTokens.accessToken });
    expect(tenant).toMatchObject({ status: 200, body: { id: tenantId, slug, plan: 'PRO', type: 'SELLER_BUSINESS' } });
    await mailTo(email, /welcome/i);
  });

  it("alerts the seller by email when a variant's stock falls to its threshold, once per descent", async () => {
    const owner = { token: ownerTokens.accessToken, headers: { 'idempotency-key': uuidv7() } };
    const created = await post<{ id: string }>(
      'products-create',
      productBody({ name: 'Difference Engine mug', variants: [{ sku: 'MUG-L', name: 'Large' }] }),
      owner,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await eventually(
      async () => ((await system.call('products-get', { path: `/${created.body.id}`, token: ownerTokens.accessToken })).status === 200 ? true : undefined),
      'the product view (the alert names the product from it)',
    );
    const item = { path: `/${created.body.id}/MUG-L`, token: ownerTokens.accessToken };
    const set = await system.call('inventory-set', { method: 'PUT', ...item, body: { onHand: 5, lowStockThreshold: 2 } });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    const adjust = async (delta: number) => {
      const adjusted = await system.call('inventory-adjust', {
        method: 'POST',
        ...item,
        body: { delta, reason: 'stock count' },
        headers: { 'idempotency-key': uuidv7() },
      });
      expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(200);
    };
    const alerts = () => mailbox.smtp.messages.filter((m) => m.to.includes(email) && /^Low stock/.test(m.subject)).map((m) => m.subject);
    // 5 → 3 stays above the threshold; 3 → 2 reaches it: the alert. 2 → 1 is the same descent: none.
    for (const delta of [-2, -1, -1]) await adjust(delta);
    await mailTo(email, /^Low stock/);
    // Restocked above the threshold (6) and down to it again (2): a new descent, a second alert. The events of one
    // variant arrive in order, so by then a stray alert for 2 → 1 would have come too.
    for (const delta of [+5, -4]) await adjust(delta);
    await eventually(async () => (alerts().length >= 2 ? true : undefined), 'the alert of the second descent');
    expect(alerts()).toEqual(['Low stock: Difference Engine mug (MUG-L) has 2 left', 'Low stock: Difference Engine mug (MUG-L) has 2 left']);
  });

  it('signs in with TOTP, then with a recovery code', async () => {
    const setup = await post<{ secret: string }>('auth-2fa-setup', { method: 'totp' }, { token: ownerTokens.accessToken });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    const { secret } = setup.body;
    const now = Math.floor(Date.now() / 1000);
    const confirmed = await post<{ recoveryCodes: string[] }>(
      'auth-2fa-confirm',
      { code: await generate({ secret, epoch: now }) },
      { token: ownerTokens.accessToken },
    );
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);

    // A step is accepted once: the next step (inside the one-step drift window) signs in.
    const challenge = challengeOf(await login(email), 'totp');
    const reused = await post<Problem>('auth-login-2fa', { challengeId: challenge.challengeId, code: await generate({ secret, epoch: now }) });
    expect(reused).toMatchObject({ status: 400, body: { code: 'invalid_code' } });
    tokensOf(await post('auth-login-2fa', { challengeId: challenge.challengeId, code: await generate({ secret, epoch: now + 30 }) }));

    const second = challengeOf(await login(email), 'totp');
    const recovery = confirmed.body.recoveryCodes[0]!;
    tokensOf(await post('auth-login-2fa', { challengeId: second.challengeId, recoveryCode: recovery }));
    const third = challengeOf(await login(email), 'totp');
    expect((await post('auth-login-2fa', { challengeId: third.challengeId, recoveryCode: recovery })).body).toMatchObject({
      status: 400,
      code: 'invalid_code',
    });
  });

  it('lets a customer of the tenant sign in with an emailed code and another with an SMS code', async () => {
    const byEmail = newEmail('customer');
    await registerVerified(byEmail, { tenantId });
    const emailTokens = tokensOf(await login(byEmail, { tenantId }));
    expect((await post('auth-2fa-setup', { method: 'email' }, { token: emailTokens.accessToken })).status).toBe(202);
    const setupCode = extractCode(await mailbox.smtp.waitFor((m) => m.to.includes(byEmail) && !/verif/i.test(m.subject), 20_000));
    expect((await post('auth-2fa-confirm', { code: setupCode }, { token: emailTokens.accessToken })).status).toBe(200);
    mailbox.smtp.clear();
    const emailChallenge = challengeOf(await login(byEmail, { tenantId }), 'email');
    const loginCode = extractCode(await mailbox.smtp.waitFor((m) => m.to.includes(byEmail), 20_000));
    const wrong = await post<Problem>('auth-login-2fa', { challengeId: emailChallenge.challengeId, code: loginCode === '000000' ? '000001' : '000000' });
    expect(wrong).toMatchObject({ status: 400, body: { code: 'invalid_code' } });
    tokensOf(await post('auth-login-2fa', { challengeId: emailChallenge.challengeId, code: loginCode }));
    // Single use: the same code again is refused.
    const replayed = await post<Problem>('auth-login-2fa', { challengeId: emailChallenge.challengeId, code: loginCode });
    expect(replayed.status).toBeGreaterThanOrEqual(400);
    expect(replayed.status).toBeLessThan(500);
    expect(replayed.body).not.toHaveProperty('accessToken');

    const bySms = newEmail('texter');
    const phone = `+4915${String(Date.now()).slice(-9)}`;
    await registerVerified(bySms, { tenantId });
    const smsTokens = tokensOf(await login(bySms, { tenantId }));
    expect((await post('auth-2fa-setup', { method: 'sms', phone }, { token: smsTokens.accessToken })).status).toBe(202);
    const smsSetup = extractCode(await mailbox.sms.waitFor((m) => m.to === phone, 20_000));
    expect((await post('auth-2fa-confirm', { code: smsSetup }, { token: smsTokens.accessToken })).status).toBe(200);
    mailbox.sms.clear();
    const smsChallenge = challengeOf(await login(bySms, { tenantId }), 'sms');
    const smsCode = extractCode(await mailbox.sms.waitFor((m) => m.to === phone, 20_000));
    const signedIn = tokensOf(await post('auth-login-2fa', { challengeId: smsChallenge.challengeId, code: smsCode }));
    const me = await system.call<{ tenantId: string; roles: string[] }>('auth-me', { token: signedIn.accessToken });
    expect(me.body).toMatchObject({ tenantId, roles: ['customer'] });
  });

  it('rotates refresh tokens, revokes the family when an old one comes back, and logs out', async () => {
    const who = newEmail('rotator');
    await registerVerified(who, { tenantId });
    const first = tokensOf(await login(who, { tenantId }));

    const second = tokensOf(await post('auth-refresh', { refreshToken: first.refreshToken }));
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const reuse = await post<Problem>('auth-refresh', { refreshToken: first.refreshToken });
    expect(reuse).toMatchObject({ status: 401, body: { code: 'refresh_token_reused' } });
    // The whole family is gone: the newest token of it no longer refreshes either.
    expect((await post('auth-refresh', { refreshToken: second.refreshToken })).status).toBe(401);

    const session = tokensOf(await login(who, { tenantId }));
    const out = await post('auth-logout', { refreshToken: session.refreshToken });
    expect(out.status).toBeLessThan(300);
    expect((await post('auth-refresh', { refreshToken: session.refreshToken })).status).toBe(401);
  });
});

describe('the onboarding saga when provisioning fails', () => {
  it('soft-deletes the user and leaves nothing half-made', async () => {
    const slug = `taken-${uuidv7().slice(-12)}`;
    const firstEmail = newEmail('first');
    await registerVerified(firstEmail);
    const first = tokensOf(await login(firstEmail));
    await onboard(first.accessToken, slug);
    await eventually(
      async () => {
        const me = await system.call<{ roles: string[] }>('auth-me', { token: first.accessToken });
        return me.body.roles.includes('owner') ? true : undefined;
      },
      'the first seller provisioned',
      30_000,
    );

    // The second seller asks for the same slug: provisioning fails, the user is rolled back.
    const secondEmail = newEmail('second');
    const second = await registerVerified(secondEmail);
    const tokens = tokensOf(await login(secondEmail));
    await onboard(tokens.accessToken, slug);
    await eventually(
      async () => {
        const reply = await login(secondEmail);
        return reply.status === 401 ? reply : undefined;
      },
      'the second seller rolled back',
      30_000,
    );
    expect((await post('auth-refresh', { refreshToken: tokens.refreshToken })).status).toBe(401);

    // Nothing half-made: no tenant answers for the reserved id, and the email can register again.
    const probe = await system.token({ tenant: second.tenantId, roles: ['owner'] });
    expect((await system.call('tenant-get', { token: probe })).status).toBe(404);
    mailbox.smtp.clear();
    await registerVerified(secondEmail);
  });
});

describe('identity bad input: a 4xx problem, and nothing changed', () => {
  let tenantId: string;
  let owner: Tokens;
  let customerId: string;

  beforeAll(async () => {
    const email = newEmail('owner');
    ({ tenantId } = await registerVerified(email));
    const first = tokensOf(await login(email));
    await onboard(first.accessToken, `bad-${uuidv7().slice(-12)}`, 'FREE');
    owner = await eventually(
      async () => {
        const me = await system.call<{ roles: string[] }>('auth-me', { token: first.accessToken });
        return me.body.roles.includes('owner') ? tokensOf(await post('auth-refresh', { refreshToken: first.refreshToken })) : undefined;
      },
      'the owner role',
      30_000,
    );
    ({ userId: customerId } = await registerVerified(newEmail('member'), { tenantId }));
  });

  it('refuses a weak password and a duplicate email', async () => {
    const email = newEmail('weak');
    const weak = await post<Problem>('auth-register', { email, password: 'password123', name: 'Weak' }, { headers: { 'idempotency-key': uuidv7() } });
    expect(weak).toMatchObject({ status: 422, body: { code: 'weak_password' } });
    expect((await login(email)).status).toBe(401);

    const taken = newEmail('taken');
    await registerVerified(taken);
    const again = await post<Problem>('auth-register', { email: taken, password: PASSWORD, name: 'Twin' }, { headers: { 'idempotency-key': uuidv7() } });
    expect(again).toMatchObject({ status: 409, body: { code: 'email_taken' } });
  });

  it('refuses tokens signed with HS256 over the published public key, and tokens of another issuer or audience', async () => {
    const jwks = await system.call<{ keys: { kid: string; x: string }[] }>('auth-jwks');
    const [key] = jwks.body.keys;
    const claims = { tid: tenantId, roles: ['owner'] };
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key!.kid })
      .setSubject('mallory')
      .setIssuer('https://auth.marketplace.local')
      .setAudience('marketplace-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(key)));
    for (const token of [
      confused,
      await system.token({ tenant: tenantId, issuer: 'https://evil.example' }),
      await system.token({ tenant: tenantId, audience: 'other-api' }),
    ]) {
      const reply = await system.call<Problem>('tenant-get', { token });
      expect(reply).toMatchObject({ status: 401, body: { code: 'token_invalid' } });
    }
  });

  it("refuses a role grant at or above the granter's own level, and past the plan's staff seats", async () => {
    const admin = await system.token({ tenant: tenantId, roles: ['admin'] });
    const above = await post<Problem>('auth-roles-assign', { userId: customerId, roles: ['owner'] }, { token: admin });
    expect(above).toMatchObject({ status: 403, body: { code: 'role_above_own_level' } });
    const me = await system.call<{ roles: string[] }>('auth-me', { token: owner.accessToken });
    expect(me.body.roles).toEqual(['owner']);

    // FREE has 2 staff seats: the third staff member is refused, naming the limit.
    const members = [customerId, (await registerVerified(newEmail('m2'), { tenantId })).userId, (await registerVerified(newEmail('m3'), { tenantId })).userId];
    const grants = [];
    for (const userId of members) grants.push(await post<Problem>('auth-roles-assign', { userId, roles: ['staff'] }, { token: owner.accessToken }));
    expect(grants.map((g) => g.status)).toEqual([200, 200, 403]);
    expect(grants[2]!.body).toMatchObject({ code: 'plan_limit_exceeded', limit: { resource: 'staffSeats', max: 2, plan: 'FREE' } });
  });

  it("refuses a store past the plan's limit", async () => {
    const create = (name: string) => post<Problem>('stores-create', { name }, { token: owner.accessToken, headers: { 'idempotency-key': uuidv7() } });
    expect((await create('First')).status).toBe(201);
    expect(await create('Second')).toMatchObject({ status: 403, body: { code: 'plan_limit_exceeded', limit: { resource: 'stores', max: 1 } } });
    const list = await system.call<{ items: unknown[] }>('stores-list', { token: owner.accessToken });
    expect(list.body.items).toHaveLength(1);
  });
});
