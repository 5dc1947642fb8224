import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../layers/auth';
import type { Actor, Role } from '../../../layers/auth/types';
import { levelOf } from '../../../layers/auth/types';
import { makeConfirmTwoFactor } from '../../../functions/auth/2fa-confirm';
import { makeSetupTwoFactor } from '../../../functions/auth/2fa-setup';
import { authConfigSchema } from '../../../functions/auth/config';
import { makeListFlaggedSignins } from '../../../functions/auth/flagged-signins';
import { publicKeys } from '../../../functions/auth/jwks';
import { makeLogin } from '../../../functions/auth/login';
import { makeLoginSecondFactor } from '../../../functions/auth/login-2fa';
import { makeMe } from '../../../functions/auth/me';
import { makeCompleteOnboarding } from '../../../functions/auth/onboarding-complete';
import { makeAssignTenant } from '../../../functions/auth/on-tenant-provisioned';
import { makeRollbackUser } from '../../../functions/auth/on-user-rollback';
import { makeConfirmReset } from '../../../functions/auth/password-reset-confirm';
import { makeRequestReset } from '../../../functions/auth/password-reset-request';
import { makeRegister } from '../../../functions/auth/register';
import { makeAssignRoles } from '../../../functions/auth/roles-assign';
import { makeVerifyEmail } from '../../../functions/auth/verify-email';
import { lastCode, memoryDeps } from './memory';

/** The identity operations' cores against the in-memory ports (tests/integration/auth runs them for real). */
const PASSWORD = 'mauve-Orchard-71-quietly';
const client = { ip: '198.51.100.1', userAgent: 'Browser/1' };

const world = () => {
  const w = memoryDeps();
  const register = async (email: string, tenantId?: string) =>
    makeRegister(w.deps)({ email, password: PASSWORD, name: 'Ada', ...(tenantId ? { tenantId } : {}) });
  const verified = async (email: string, tenantId?: string) => {
    const { userId, tenantId: tid } = await register(email, tenantId);
    await makeVerifyEmail(w.deps)({ email, code: lastCode(w.users.outbox(userId), 'email-verification'), ...(tenantId ? { tenantId } : {}) });
    return { userId, tenantId: tid, email };
  };
  const actor = (userId: string, tenantId: string, roles: Role[]): Actor => ({ userId, tenantId, roles, level: levelOf(roles) });
  return { ...w, register, verified, actor, login: (email: string, password = PASSWORD, c = client) => makeLogin(w.deps)({ email, password }, c) };
};

describe('register and verify-email', () => {
  it('registers a seller with a reserved tenant, refuses the email twice in a realm, not across realms', async () => {
    const w = world();
    const seller = await w.register('ada@example.test');
    expect(seller).toMatchObject({ status: 'pending_verification' });
    expect(w.users.outbox(seller.userId).map((e) => e.type)).toEqual(['auth.user.registered.v1', 'auth.code.issued.v1']);
    await expect(w.register('ada@example.test')).rejects.toMatchObject({ status: 409, code: 'email_taken' });
    await expect(w.register('ada@example.test', 'shop-1')).rejects.toMatchObject({ status: 422, code: 'unknown_tenant' });
    await w.users.store.upsertTenant({
      _id: 'shop-1',
      tenantId: 'shop-1',
      name: 'S',
      slug: 'shop',
      type: 'SELLER_BUSINESS',
      plan: 'FREE',
      ownerUserId: 'o',
      provisionedAt: new Date(),
    });
    expect(await w.register('ada@example.test', 'shop-1')).toMatchObject({ tenantId: 'shop-1' });
  });

  it('takes over a login lookup whose user was never written, once it is old enough', async () => {
    const w = world();
    await w.users.store.claimLogin('platform:ghost@example.test', 'never-written', 't0', w.deps.now());
    await expect(w.register('ghost@example.test')).rejects.toMatchObject({ code: 'email_taken' });
    w.advance(61_000);
    expect(await w.register('ghost@example.test')).toMatchObject({ status: 'pending_verification' });
  });

  it('gives back the login when the user cannot be written', async () => {
    const w = world();
    w.deps.users.insertUser = async () => {
      throw new Error('store down');
    };
    await expect(w.register('down@example.test')).rejects.toThrow('store down');
    expect(w.users.logins.size).toBe(0);
  });

  it('rate-limits registrations and checks of one email', async () => {
    const w = world();
    const attempts = await Promise.allSettled(Array.from({ length: 6 }, () => w.register('busy@example.test')));
    expect(attempts.filter((a) => a.status === 'rejected' && (a.reason as { status: number }).status === 429)).toHaveLength(1);
  });

  it('verifies once; resends only for pending accounts', async () => {
    const w = world();
    const { userId } = await w.register('bo@example.test');
    const verify = makeVerifyEmail(w.deps);
    await expect(
      verify({ email: 'bo@example.test', code: '000000' === lastCode(w.users.outbox(userId), 'email-verification') ? '000001' : '000000' }),
    ).rejects.toMatchObject({
      code: 'invalid_code',
    });
    expect(await verify({ email: 'bo@example.test', resend: true })).toEqual({ status: 'sent' });
    expect(await verify({ email: 'bo@example.test', code: lastCode(w.users.outbox(userId), 'email-verification') })).toEqual({ status: 'active' });
    const issued = w.users.outbox(userId).length;
    expect(await verify({ email: 'bo@example.test', resend: true })).toEqual({ status: 'sent' });
    expect(w.users.outbox(userId)).toHaveLength(issued);
  });

  it('refuses a code once it has expired (10 minutes), and the account stays unverified', async () => {
    const w = world();
    const { userId } = await w.register('late@example.test');
    const code = lastCode(w.users.outbox(userId), 'email-verification');
    w.advance(10 * 60_000 + 1);
    await expect(makeVerifyEmail(w.deps)({ email: 'late@example.test', code })).rejects.toMatchObject({ code: 'invalid_code' });
    expect(w.users.users.get(userId)).toMatchObject({ status: 'pending_verification' });
  });
});

describe('login', () => {
  it('signs in; counts failures per email, known or not; locks at 5 and flags once', async () => {
    const w = world();
    const { userId } = await w.verified('cy@example.test');
    expect(await w.login('cy@example.test')).toMatchObject({ tokenType: 'Bearer', expiresIn: 600 });
    for (const email of ['cy@example.test', 'nobody@example.test']) {
      for (let i = 0; i < 4; i += 1) await expect(w.login(email, 'Wrong-password-1')).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
      await expect(w.login(email, 'Wrong-password-1')).rejects.toMatchObject({ status: 423, code: 'account_locked' });
      await expect(w.login(email)).rejects.toMatchObject({ status: 423 });
    }
    const flags = w.users.outbox(userId).filter((e) => e.type === 'auth.signin.flagged.v1');
    expect(flags.map((e) => JSON.parse(e.data))).toEqual([expect.objectContaining({ locked: true, reasons: ['too_many_failures'], ip: '198.51.100.1' })]);
    w.advance(15 * 60_000 + 1);
    expect(await w.login('cy@example.test')).toMatchObject({ tokenType: 'Bearer' });
  });

  it('flags a success after a failure streak and a burst of new devices', async () => {
    const w = world();
    const { userId } = await w.verified('di@example.test');
    for (let i = 0; i < 3; i += 1) await expect(w.login('di@example.test', 'Wrong-password-1')).rejects.toMatchObject({ status: 401 });
    await w.login('di@example.test');
    await w.login('di@example.test', PASSWORD, { ip: client.ip, userAgent: 'Other/2' });
    await w.login('di@example.test', PASSWORD, { ip: client.ip, userAgent: 'Third/3' });
    const reasons = w.users
      .outbox(userId)
      .filter((e) => e.type === 'auth.signin.flagged.v1')
      .map((e) => JSON.parse(e.data).reasons);
    expect(reasons).toEqual([['failure_streak'], ['new_device_burst']]);
    const listed = await makeListFlaggedSignins({ users: w.users.store })(w.users.users.get(userId)!.tenantId, { limit: 1 });
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]!.reasons).toEqual(['new_device_burst']);
    const rest = await makeListFlaggedSignins({ users: w.users.store })(w.users.users.get(userId)!.tenantId, { limit: 5, cursor: listed.nextCursor! });
    expect(rest).toMatchObject({ items: [{ reasons: ['failure_streak'] }], nextCursor: null });
  });
});

describe('two factors', () => {
  const withTwoFactor = async (method: 'totp' | 'email' | 'sms') => {
    const w = world();
    const account = await w.verified(`${method}@example.test`);
    const actor = { userId: account.userId, tenantId: account.tenantId };
    const setup = await makeSetupTwoFactor(w.deps)(actor, { method, ...(method === 'sms' ? { phone: '+15550100' } : {}) });
    const code =
      method === 'totp'
        ? await generate({ secret: setup.secret!, epoch: Math.floor(w.deps.now().getTime() / 1000) })
        : lastCode(w.users.outbox(account.userId), '2fa-setup');
    const confirmed = await makeConfirmTwoFactor(w.deps)(actor, { code });
    return { w, account, actor, setup, recovery: confirmed.recoveryCodes };
  };

  it('TOTP: set up, confirmed, then asked at sign-in and answered with a fresh step', async () => {
    const { w, account, setup } = await withTwoFactor('totp');
    const challenge = await w.login(account.email);
    expect(challenge).toMatchObject({ twoFactorRequired: true, method: 'totp' });
    const { challengeId } = challenge as { challengeId: string };
    const epoch = Math.floor(w.deps.now().getTime() / 1000);
    const used = await generate({ secret: setup.secret!, epoch });
    await expect(makeLoginSecondFactor(w.deps)({ challengeId, code: used }, 'Browser/1')).rejects.toMatchObject({ code: 'invalid_code' });
    const next = await generate({ secret: setup.secret!, epoch: epoch + 30 });
    expect(await makeLoginSecondFactor(w.deps)({ challengeId, code: next }, 'Browser/1')).toMatchObject({ tokenType: 'Bearer' });
  });

  it.each(['email', 'sms'] as const)('%s: the code sent at sign-in completes it; 5 wrong answers end the challenge', async (method) => {
    const { w, account } = await withTwoFactor(method);
    const { challengeId } = (await w.login(account.email)) as { challengeId: string };
    const code = lastCode(w.users.outbox(account.userId), 'login-2fa');
    const wrong = code === '999999' ? '000000' : '999999';
    for (let i = 0; i < 5; i += 1)
      await expect(makeLoginSecondFactor(w.deps)({ challengeId, code: wrong }, undefined)).rejects.toMatchObject({ code: 'invalid_code' });
    await expect(makeLoginSecondFactor(w.deps)({ challengeId, code }, undefined)).rejects.toMatchObject({ code: 'invalid_code' });
  });

  it('recovery codes work once each; setup and confirm refuse what does not fit', async () => {
    const { w, account, actor, recovery } = await withTwoFactor('totp');
    const first = (await w.login(account.email)) as { challengeId: string };
    expect(await makeLoginSecondFactor(w.deps)({ challengeId: first.challengeId, recoveryCode: recovery[0]! }, undefined)).toMatchObject({
      tokenType: 'Bearer',
    });
    const second = (await w.login(account.email)) as { challengeId: string };
    await expect(makeLoginSecondFactor(w.deps)({ challengeId: second.challengeId, recoveryCode: recovery[0]! }, undefined)).rejects.toMatchObject({
      code: 'invalid_code',
    });
    await expect(makeSetupTwoFactor(w.deps)(actor, { method: 'totp' })).rejects.toMatchObject({ status: 409, code: 'two_factor_enabled' });
    await expect(makeConfirmTwoFactor(w.deps)(actor, { code: '123456' })).rejects.toMatchObject({ status: 409 });
  });

  it('confirm: nothing pending is 409; five wrong codes drop the pending setup (429)', async () => {
    const w = world();
    const { userId, tenantId } = await w.verified('ed@example.test');
    const actor = { userId, tenantId };
    await expect(makeConfirmTwoFactor(w.deps)(actor, { code: '123456' })).rejects.toMatchObject({ code: 'two_factor_not_pending' });
    await makeSetupTwoFactor(w.deps)(actor, { method: 'email' });
    const right = lastCode(w.users.outbox(userId), '2fa-setup');
    const wrong = right === '111111' ? '222222' : '111111';
    for (let i = 0; i < 5; i += 1) await expect(makeConfirmTwoFactor(w.deps)(actor, { code: wrong })).rejects.toMatchObject({ code: 'invalid_code' });
    await expect(makeConfirmTwoFactor(w.deps)(actor, { code: right })).rejects.toMatchObject({ status: 429 });
    expect(w.users.users.get(userId)!.twoFactor.pending).toBeNull();
  });
});

describe('password reset', () => {
  it('answers alike, no sooner than the floor; confirms once, refuses weak passwords without using the token', async () => {
    const w = world();
    const { userId, email } = await w.verified('fa@example.test');
    const slept: number[] = [];
    const request = makeRequestReset({ ...w.deps, sleep: async (ms) => void slept.push(ms) });
    expect(await request({ email })).toEqual(await request({ email: 'nobody@example.test' }));
    expect(slept).toHaveLength(2);
    const token = lastCode(w.users.outbox(userId), 'password-reset');
    await expect(makeConfirmReset(w.deps)({ token, password: 'password1234' })).rejects.toMatchObject({ status: 422 });
    await makeConfirmReset(w.deps)({ token, password: 'saffron-Kettle-58-drifting' });
    await expect(makeConfirmReset(w.deps)({ token, password: 'saffron-Kettle-58-drifting' })).rejects.toMatchObject({ code: 'invalid_token' });
    expect(w.users.users.get(userId)).toMatchObject({ tokenEpoch: 1, passwordHash: 'plain:saffron-Kettle-58-drifting' });
  });
});

describe('roles, onboarding and the saga consumers', () => {
  const provisioned = async () => {
    const w = world();
    const owner = await w.verified('gi@example.test');
    expect(await makeCompleteOnboarding(w.deps)(owner, { tenant: { name: 'Gi', slug: 'gi-shop', type: 'SELLER_INDIVIDUAL', plan: 'FREE' } })).toEqual({
      status: 'requested',
      tenantId: owner.tenantId,
    });
    await expect(
      makeCompleteOnboarding(w.deps)(owner, { tenant: { name: 'Gi', slug: 'gi-shop', type: 'SELLER_INDIVIDUAL', plan: 'FREE' } }),
    ).rejects.toMatchObject({
      code: 'already_onboarded',
    });
    const event = {
      id: 'e1',
      type: 'tenant.tenant.provisioned.v1',
      source: 'tenant',
      subject: owner.tenantId,
      time: new Date().toISOString(),
      tenantId: owner.tenantId,
      correlationId: 'c1',
      data: {
        ownerUserId: owner.userId,
        ownerEmail: owner.email,
        ownerName: 'Ada',
        name: 'Gi',
        slug: 'gi-shop',
        type: 'SELLER_INDIVIDUAL' as const,
        plan: 'FREE' as const,
      },
    };
    expect(await makeAssignTenant(w.deps)(event)).toBe('assigned');
    expect(await makeAssignTenant(w.deps)(event)).toBe('unchanged');
    await expect(makeAssignTenant(w.deps)({ ...event, tenantId: 'elsewhere' })).rejects.toMatchObject({ code: 'tenant_mismatch' });
    await expect(makeAssignTenant(w.deps)({ ...event, data: { ...event.data, ownerUserId: 'ghost' } })).rejects.toMatchObject({ code: 'unknown_user' });
    return { w, owner, ownerActor: w.actor(owner.userId, owner.tenantId, ['owner']) };
  };

  it('provisioning makes the seller owner; the owner grants within the plan’s seats', async () => {
    const { w, owner, ownerActor } = await provisioned();
    expect(await makeMe(w.deps)(ownerActor)).toMatchObject({ roles: ['owner'], onboarding: { status: 'provisioned' } });
    const staff = await w.verified('hu@example.test', owner.tenantId);
    const more = await w.verified('io@example.test', owner.tenantId);
    const third = await w.verified('jo@example.test', owner.tenantId);
    expect(await makeAssignRoles(w.deps)(ownerActor, { userId: staff.userId, roles: ['staff'] })).toMatchObject({ roles: ['staff'] });
    await makeAssignRoles(w.deps)(ownerActor, { userId: more.userId, roles: ['manager', 'staff'] });
    await expect(makeAssignRoles(w.deps)(ownerActor, { userId: third.userId, roles: ['staff'] })).rejects.toMatchObject({ code: 'plan_limit_exceeded' });
    expect(w.seats.used).toBe(2);
    await makeAssignRoles(w.deps)(ownerActor, { userId: more.userId, roles: ['customer'] });
    expect(w.seats.used).toBe(1);
    await expect(makeAssignRoles(w.deps)(w.actor('x', 'other', ['owner']), { userId: staff.userId, roles: ['customer'] })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('a customer account cannot onboard, nor an unverified one', async () => {
    const { w, owner } = await provisioned();
    const customer = await w.verified('ka@example.test', owner.tenantId);
    await expect(
      makeCompleteOnboarding(w.deps)(customer, { tenant: { name: 'K', slug: 'ka-shop', type: 'SELLER_INDIVIDUAL', plan: 'FREE' } }),
    ).rejects.toMatchObject({
      code: 'not_a_seller_account',
    });
    const pending = await w.register('lu@example.test');
    await expect(
      makeCompleteOnboarding(w.deps)(pending, { tenant: { name: 'L', slug: 'lu-shop', type: 'SELLER_INDIVIDUAL', plan: 'FREE' } }),
    ).rejects.toMatchObject({
      code: 'email_not_verified',
    });
  });

  it('rollback soft-deletes once and frees the email; an event of another tenant changes nothing', async () => {
    const w = world();
    const seller = await w.verified('mo@example.test');
    const event = {
      id: 'e2',
      type: 'tenant.provisioning.failed.v1',
      source: 'tenant',
      subject: seller.tenantId,
      time: new Date().toISOString(),
      tenantId: seller.tenantId,
      correlationId: 'c2',
      data: { ownerUserId: seller.userId, code: 'boom', reason: 'failed' },
    };
    expect(await makeRollbackUser(w.deps)({ ...event, tenantId: 'elsewhere' })).toBe('unchanged');
    expect(await makeRollbackUser(w.deps)(event)).toBe('deleted');
    expect(await makeRollbackUser(w.deps)(event)).toBe('unchanged');
    expect(w.users.users.get(seller.userId)).toMatchObject({ status: 'soft_deleted', tokenEpoch: 1 });
    expect(w.users.logins.size).toBe(0);
    await expect(makeMe(w.deps)(seller)).rejects.toMatchObject({ status: 404 });
  });
});

describe('jwks', () => {
  it('publishes the public half of every signing key, current first', async () => {
    const [a, b] = [await generateSigningKey(), await generateSigningKey('ES256')];
    const jwks = publicKeys(authConfigSchema.parse({ AUTH_SIGNING_KEYS: JSON.stringify([a.privateJwk, b.privateJwk]) }));
    expect(jwks.keys.map((k) => [k.kid, k.alg])).toEqual([
      [a.kid, 'EdDSA'],
      [b.kid, 'ES256'],
    ]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
  });
});
