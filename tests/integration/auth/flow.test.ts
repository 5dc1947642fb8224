import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { closeConnections } from '../../../layers/connections';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';
import { STRONG, issuedCode, loadAuth, login, newEmail, outboxOf, rawUser, signUp } from './support';

/**
 * The identity service through its functions (every middleware of each stack), against the real
 * FerretDB and Redis: sign-up, verification, sign-in with each second factor, refresh rotation
 * and reuse detection, logout. Codes are read where the notification service reads them: sealed
 * in auth.code.issued, in the user's outbox (no relay drains this test's database).
 */
let fns: Awaited<ReturnType<typeof loadAuth>>;
let sign: Awaited<ReturnType<typeof useTestKeys>>;
/** A token of the test signer (the key the functions verify with) for an admin of the tenant. */
const useTestKeysToken = (tenantId: string, roles: ('admin' | 'staff')[] = ['admin']) => sign(tenantId, roles);

beforeAll(async () => {
  sign = await useTestKeys();
  process.env.BCRYPT_COST = '6';
  fns = await loadAuth();
});
afterAll(closeConnections);

type Tokens = { accessToken: string; refreshToken: string; tokenType: string; expiresIn: number };
const post = <T = Record<string, unknown>>(fn: keyof typeof fns, body: unknown, extra: { token?: string; headers?: Record<string, string> } = {}) =>
  invoke<T>(fns[fn], { method: 'POST', body, ...extra });

describe('register and verify', () => {
  it('registers pending, emits registered + a sealed code, and the code activates the account once', async () => {
    const email = newEmail();
    const reply = await post<{ userId: string; tenantId: string; status: string }>(
      'register',
      { email: email.toUpperCase(), password: STRONG, name: 'Grace Hopper' },
      { headers: idempotencyKey() },
    );
    expect(reply.status).toBe(201);
    expect(reply.body.status).toBe('pending_verification');
    const { userId } = reply.body;
    const outbox = await outboxOf(userId);
    expect(outbox.map((e) => e.type)).toEqual(['auth.user.registered.v1', 'auth.code.issued.v1']);
    expect(outbox.map((e) => e.tenantId)).toEqual([reply.body.tenantId, reply.body.tenantId]);
    const { code, to, channel } = await issuedCode(userId, 'email-verification');
    expect({ to, channel }).toEqual({ to: email, channel: 'email' });
    // The code is sealed: it appears nowhere in the stored events in clear.
    expect(JSON.stringify(outbox)).not.toContain(`"${code}"`);
    const user = await rawUser(userId);
    expect(user).toMatchObject({ email, status: 'pending_verification', roles: ['customer'] });
    expect(String(user!.passwordHash)).toMatch(/^\$2[aby]\$06\$/);

    expect((await post('verify-email', { email, code: code === '000000' ? '111111' : '000000' })).body).toMatchObject({ code: 'invalid_code' });
    expect(await post('verify-email', { email, code })).toMatchObject({ status: 200, body: { status: 'active' } });
    expect((await rawUser(userId))!.status).toBe('active');
    expect((await post('verify-email', { email, code })).body).toMatchObject({ code: 'invalid_code' });
  });

  it('burns a code after 5 wrong tries; a resend (202) issues a new one', async () => {
    const { email, userId } = await signUp(fns, { verify: false });
    const { code } = await issuedCode(userId, 'email-verification');
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i += 1) expect((await post('verify-email', { email, code: wrong })).status).toBe(400);
    expect((await post('verify-email', { email, code })).body).toMatchObject({ code: 'invalid_code' });
    expect(await post('verify-email', { email, resend: true })).toMatchObject({ status: 202, body: { status: 'sent' } });
    const fresh = await issuedCode(userId, 'email-verification');
    expect((await post('verify-email', { email, code: fresh.code })).status).toBe(200);
  });

  it('answers an unknown address like a wrong code, and a resend for it like any other', async () => {
    expect((await post('verify-email', { email: newEmail(), code: '123456' })).body).toMatchObject({ status: 400, code: 'invalid_code' });
    expect((await post('verify-email', { email: newEmail(), resend: true })).status).toBe(202);
  });

  it.each([
    ['a duplicate email', async (email: string) => ({ email, password: STRONG, name: 'Twin' }), 409, 'email_taken'],
    ['a weak password', async () => ({ email: newEmail(), password: 'password123', name: 'Weak' }), 422, 'weak_password'],
    ['a short password', async () => ({ email: newEmail(), password: 'Zq9!x', name: 'Short' }), 422, 'weak_password'],
    [
      'the email as password',
      async () => ({ email: 'lighthouse.keeper@example.test', password: 'lighthouse.keeper@example.test', name: 'Me' }),
      422,
      'weak_password',
    ],
    ['an unknown tenant', async () => ({ email: newEmail(), password: STRONG, name: 'Lost', tenantId: 'no-such-tenant' }), 422, 'unknown_tenant'],
    ['an operator in the email', async () => ({ email: { $ne: null }, password: STRONG, name: 'Inject' }), 400, 'forbidden_key'],
  ])('refuses %s and changes nothing', async (_what, body, status, code) => {
    const existing = await signUp(fns, { verify: false });
    const reply = await post('register', await body(existing.email), { headers: idempotencyKey() });
    expect(reply).toMatchObject({ status, body: { code } });
    expect((await outboxOf(existing.userId)).length).toBe(2);
  });
});

describe('sign-in, refresh rotation and logout', () => {
  it('login → me → refresh → reuse of the old refresh token revokes the family → logout is idempotent', async () => {
    const { email, userId, tenantId } = await signUp(fns);
    const signedIn = await login(fns, { email, password: STRONG });
    expect(signedIn.status).toBe(200);
    const first = signedIn.body as unknown as Tokens;
    expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 600 });
    expect(first.refreshToken).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);

    const me = await invoke(fns.me, { token: first.accessToken });
    expect(me).toMatchObject({ status: 200, body: { id: userId, tenantId, email, status: 'active', emailVerified: true, roles: ['customer'] } });
    expect(JSON.stringify(me.body)).not.toMatch(/passwordHash|\$2[aby]\$/);

    const second = (await post<Tokens>('refresh', { refreshToken: first.refreshToken })).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.refreshToken.split('.')[0]).toBe(first.refreshToken.split('.')[0]);
    const third = (await post<Tokens>('refresh', { refreshToken: second.refreshToken })).body;
    expect((await invoke(fns.me, { token: third.accessToken })).status).toBe(200);

    // The first token again: someone else holds the chain. The whole family goes, the newest token too.
    expect(await post('refresh', { refreshToken: first.refreshToken })).toMatchObject({ status: 401, body: { code: 'refresh_token_reused' } });
    expect(await post('refresh', { refreshToken: third.refreshToken })).toMatchObject({ status: 401, body: { code: 'refresh_token_invalid' } });

    const other = (await login(fns, { email, password: STRONG })).body as unknown as Tokens;
    expect((await post('logout', { refreshToken: other.refreshToken })).status).toBe(204);
    expect((await post('logout', { refreshToken: other.refreshToken })).status).toBe(204);
    expect((await post('refresh', { refreshToken: other.refreshToken })).body).toMatchObject({ code: 'refresh_token_invalid' });
    expect((await post('logout', { refreshToken: 'not-a-token' })).status).toBe(204);
  });

  it('answers an unknown email and a wrong password alike', async () => {
    const { email } = await signUp(fns);
    const wrong = await login(fns, { email, password: 'Wrong-password-42-x' });
    const unknown = await login(fns, { email: newEmail(), password: 'Wrong-password-42-x' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(wrong.body.code).toBe('invalid_credentials');
  });

  it('locks after 5 failures in a row (423, Retry-After), for known and unknown emails alike, and flags it once', async () => {
    const { email, userId, tenantId } = await signUp(fns);
    const unknown = newEmail();
    for (const address of [email, unknown]) {
      for (let i = 0; i < 4; i += 1) expect((await login(fns, { email: address, password: 'Wrong-password-42-x' })).status).toBe(401);
      const fifth = await login(fns, { email: address, password: 'Wrong-password-42-x' });
      expect(fifth).toMatchObject({ status: 423, body: { code: 'account_locked' } });
      expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(800);
      // Locked: even the right password is refused now.
      expect((await login(fns, { email: address, password: STRONG })).status).toBe(423);
    }
    const flagged = (await outboxOf(userId)).filter((e) => e.type === 'auth.signin.flagged.v1').map((e) => JSON.parse(e.data));
    expect(flagged).toEqual([expect.objectContaining({ userId, email, locked: true, reasons: ['too_many_failures'] })]);
    const admin = await useTestKeysToken(tenantId);
    const listed = await invoke<{ items: { userId: string; locked: boolean }[] }>(fns['flagged-signins'], { token: admin });
    expect(listed.body.items).toEqual([expect.objectContaining({ userId, locked: true })]);
  });

  it('limits sign-ins per client address and email: over the bucket → 429 with Retry-After, and another address still signs in', async () => {
    const { email } = await signUp(fns);
    const from = (ip: string) => login(fns, { email, password: STRONG }, { 'x-forwarded-for': ip, 'user-agent': 'Browser/1' });
    for (let i = 0; i < 10; i += 1) expect((await from('192.0.2.10')).status).toBe(200);
    const over = await from('192.0.2.10');
    expect(over).toMatchObject({ status: 429, body: { code: 'rate_limited', scope: 'ip+email' } });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await from('192.0.2.11')).status).toBe(200);
  });

  it('flags a sign-in from a third IP within the hour, and shows it to admins of that tenant only', async () => {
    const { email, userId, tenantId } = await signUp(fns);
    for (const ip of ['198.51.100.1', '198.51.100.2']) {
      expect((await login(fns, { email, password: STRONG }, { 'x-forwarded-for': ip, 'user-agent': 'Browser/1' })).status).toBe(200);
    }
    expect((await outboxOf(userId)).some((e) => e.type === 'auth.signin.flagged.v1')).toBe(false);
    expect((await login(fns, { email, password: STRONG }, { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'Browser/1' })).status).toBe(200);
    const [flag] = (await outboxOf(userId)).filter((e) => e.type === 'auth.signin.flagged.v1').map((e) => JSON.parse(e.data));
    expect(flag).toMatchObject({ userId, reasons: ['ip_change_rate'], ip: '203.0.113.9', locked: false });
    const page = await invoke<{ items: { reasons: string[] }[] }>(fns['flagged-signins'], { token: await useTestKeysToken(tenantId) });
    expect(page.body.items).toEqual([expect.objectContaining({ reasons: ['ip_change_rate'], ip: '203.0.113.9' })]);
    expect((await invoke<{ items: unknown[] }>(fns['flagged-signins'], { token: await useTestKeysToken(`other-${tenantId}`) })).body.items).toEqual([]);
    expect((await invoke(fns['flagged-signins'], { token: await useTestKeysToken(tenantId, ['staff']) })).status).toBe(403);
  });
});

describe('two-factor sign-in', () => {
  const enable = async (method: 'totp' | 'email' | 'sms') => {
    const account = await signUp(fns);
    const tokens = (await login(fns, { email: account.email, password: STRONG })).body as unknown as Tokens;
    const setup = await post<{ secret?: string; otpauthUri?: string; sentTo?: string }>(
      '2fa-setup',
      { method, ...(method === 'sms' ? { phone: '+447700900123' } : {}) },
      { token: tokens.accessToken },
    );
    expect(setup.status).toBe(method === 'totp' ? 200 : 202);
    let code: string;
    if (method === 'totp') {
      expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
      code = await generate({ secret: setup.body.secret! });
    } else {
      const issued = await issuedCode(account.userId, '2fa-setup');
      expect(issued).toMatchObject({ channel: method, to: method === 'sms' ? '+447700900123' : account.email });
      code = issued.code;
    }
    const confirmed = await post<{ recoveryCodes: string[] }>('2fa-confirm', { code }, { token: tokens.accessToken });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    return { ...account, secret: setup.body.secret, recoveryCodes: confirmed.body.recoveryCodes, tokens };
  };

  const challenge = async (email: string) => {
    const reply = await login(fns, { email, password: STRONG });
    expect(reply.body).toMatchObject({ twoFactorRequired: true });
    return reply.body as { challengeId: string; method: string };
  };

  it('TOTP: a code from the authenticator completes the sign-in, once per time step', async () => {
    const account = await enable('totp');
    const first = await challenge(account.email);
    expect(first.method).toBe('totp');
    // The confirmation used the current step; the next one is within the accepted drift.
    const next = await generate({ secret: account.secret!, epoch: Math.floor(Date.now() / 1000) + 30 });
    const done = await post<Tokens>('login-2fa', { challengeId: first.challengeId, code: next });
    expect(done.status).toBe(200);
    expect(done.body.accessToken).toBeTruthy();
    // The challenge is used up, and the same step is refused in a new challenge.
    expect((await post('login-2fa', { challengeId: first.challengeId, code: next })).body).toMatchObject({ code: 'invalid_code' });
    const again = await challenge(account.email);
    expect((await post('login-2fa', { challengeId: again.challengeId, code: next })).body).toMatchObject({ code: 'invalid_code' });
    const me = await invoke<{ twoFactor: unknown }>(fns.me, { token: done.body.accessToken });
    expect(me.body.twoFactor).toEqual({ enabled: true, method: 'totp' });
  });

  it.each(['email', 'sms'] as const)('%s: the code sent completes the sign-in; a wrong one counts, 5 end the challenge', async (method) => {
    const account = await enable(method);
    const first = await challenge(account.email);
    expect(first.method).toBe(method);
    const { code, channel } = await issuedCode(account.userId, 'login-2fa');
    expect(channel).toBe(method);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await post('login-2fa', { challengeId: first.challengeId, code: wrong })).status).toBe(400);
    expect((await post<Tokens>('login-2fa', { challengeId: first.challengeId, code })).status).toBe(200);

    const second = await challenge(account.email);
    const fresh = await issuedCode(account.userId, 'login-2fa');
    const bad = String((Number(fresh.code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i += 1) expect((await post('login-2fa', { challengeId: second.challengeId, code: bad })).status).toBe(400);
    expect((await post('login-2fa', { challengeId: second.challengeId, code: fresh.code })).body).toMatchObject({ code: 'invalid_code' });
  });

  it('a recovery code signs in once; 2FA cannot be set up twice', async () => {
    const account = await enable('totp');
    const [recovery] = account.recoveryCodes;
    const first = await challenge(account.email);
    expect((await post('login-2fa', { challengeId: first.challengeId, recoveryCode: recovery!.toUpperCase() })).status).toBe(200);
    const second = await challenge(account.email);
    expect((await post('login-2fa', { challengeId: second.challengeId, recoveryCode: recovery })).body).toMatchObject({ code: 'invalid_code' });
    expect((await post('2fa-setup', { method: 'email' }, { token: account.tokens.accessToken })).body).toMatchObject({
      status: 409,
      code: 'two_factor_enabled',
    });
  });
});
