import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../layers/auth';
import type { Actor, Role } from '../../../layers/auth/types';
import { levelOf } from '../../../layers/auth/types';
import { ConfigError } from '../../../layers/errors';
import { generateCode, generateRecoveryCode, generateResetToken, makeHasher, normalizeRecoveryCode } from '../../../functions/auth/codes';
import { authConfigSchema, authLimit, parseSigningKeys, signingKeys } from '../../../functions/auth/config';
import { assertStrongPassword, assessPassword, bcryptHasher } from '../../../functions/auth/passwords';
import { RISK_RULES, assessSignin, deviceOf, rememberDevice } from '../../../functions/auth/risk';
import { holdsSeat, normalizeRoles, planRoleChange } from '../../../functions/auth/roles';
import { newTotpSecret, totpUri, verifyTotp } from '../../../functions/auth/totp';
import { clientIp, loginKey, maskAddress, newUser, realmOf, toProfile } from '../../../functions/auth/users';

const MIN = 60_000;
const attempt = (at: number, ip = '10.0.0.1', device = 'd1', ok = true) => ({ at, ip, device, ok });

describe('risk rules', () => {
  const now = 10 * 60 * MIN;
  it('flags a third unknown device within 10 minutes, not a known one nor an old one', () => {
    const history = [attempt(now - 2 * MIN, '10.0.0.1', 'a'), attempt(now - 5 * MIN, '10.0.0.1', 'b')];
    expect(assessSignin({ attempt: attempt(now, '10.0.0.1', 'c'), history, knownDevices: [], failuresBefore: 0 })).toEqual(['new_device_burst']);
    expect(assessSignin({ attempt: attempt(now, '10.0.0.1', 'c'), history, knownDevices: ['a'], failuresBefore: 0 })).toEqual([]);
    // A device counts as it was when seen: one that signed in since is known now, but was new then.
    const seen = [
      { ...attempt(now - 2 * MIN, '10.0.0.1', 'a'), fresh: true },
      { ...attempt(now - 1 * MIN, '10.0.0.1', 'b'), fresh: true },
    ];
    expect(assessSignin({ attempt: { ...attempt(now, '10.0.0.1', 'c'), fresh: true }, history: seen, knownDevices: ['a', 'b'], failuresBefore: 0 })).toEqual([
      'new_device_burst',
    ]);
    const old = [attempt(now - 11 * MIN, '10.0.0.1', 'a'), attempt(now - 5 * MIN, '10.0.0.1', 'b')];
    expect(assessSignin({ attempt: attempt(now, '10.0.0.1', 'c'), history: old, knownDevices: [], failuresBefore: 0 })).toEqual([]);
  });

  it('flags a third IP within the hour (impossible travel by rate)', () => {
    const history = [attempt(now - 50 * MIN, '1.1.1.1'), attempt(now - 20 * MIN, '2.2.2.2')];
    expect(assessSignin({ attempt: attempt(now, '3.3.3.3'), history, knownDevices: ['d1'], failuresBefore: 0 })).toEqual(['ip_change_rate']);
    expect(assessSignin({ attempt: attempt(now, '2.2.2.2'), history, knownDevices: ['d1'], failuresBefore: 0 })).toEqual([]);
    const spread = [attempt(now - 61 * MIN, '1.1.1.1'), attempt(now - 20 * MIN, '2.2.2.2')];
    expect(assessSignin({ attempt: attempt(now, '3.3.3.3'), history: spread, knownDevices: ['d1'], failuresBefore: 0 })).toEqual([]);
  });

  it('flags a success right after a streak of failures', () => {
    const input = { attempt: attempt(now), history: [], knownDevices: ['d1'] };
    expect(assessSignin({ ...input, failuresBefore: RISK_RULES.failureStreak.failures })).toEqual(['failure_streak']);
    expect(assessSignin({ ...input, failuresBefore: 2 })).toEqual([]);
    expect(assessSignin({ ...input, attempt: attempt(now, '10.0.0.1', 'd1', false), failuresBefore: 4 })).toEqual([]);
  });

  it('names devices by a hash of the user agent and remembers the latest 20', () => {
    expect(deviceOf('Firefox/140')).toBe(deviceOf('Firefox/140'));
    expect(deviceOf('Firefox/140')).not.toBe(deviceOf('Chrome/140'));
    expect(deviceOf('Firefox/140')).not.toContain('Firefox');
    const many = Array.from({ length: 20 }, (_, i) => `d${i}`);
    expect(rememberDevice(many, 'new')).toEqual([...many.slice(1), 'new']);
    expect(rememberDevice(['a', 'b'], 'a')).toEqual(['b', 'a']);
  });
});

describe('role grants', () => {
  const actor = (roles: Role[]): Actor => ({ userId: 'u', tenantId: 't', roles, level: levelOf(roles) });
  it('grants only roles strictly below one’s own level, to users strictly below it', () => {
    expect(planRoleChange(actor(['owner']), ['customer'], ['admin'])).toBe('take');
    expect(() => planRoleChange(actor(['owner']), ['customer'], ['owner'])).toThrow(expect.objectContaining({ status: 403, code: 'role_above_own_level' }));
    expect(() => planRoleChange(actor(['admin']), ['admin'], ['customer'])).toThrow(expect.objectContaining({ code: 'role_above_own_level' }));
    expect(() => planRoleChange(actor(['admin']), ['customer'], ['staff', 'admin'])).toThrow(expect.objectContaining({ extras: { roles: ['admin'] } }));
    expect(planRoleChange(actor(['platform']), ['customer'], ['owner'])).toBe('take');
  });

  it('takes a staff seat on the way up, frees it on the way down, keeps it between staff roles', () => {
    const admin = actor(['admin']);
    expect(planRoleChange(admin, ['staff'], ['manager'])).toBe('keep');
    expect(planRoleChange(admin, ['manager'], ['customer'])).toBe('release');
    expect(planRoleChange(admin, ['customer'], ['customer'])).toBe('keep');
    expect(holdsSeat(['customer'])).toBe(false);
    expect(holdsSeat(['customer', 'staff'])).toBe(true);
    expect(normalizeRoles(['staff', 'customer', 'staff', 'manager'])).toEqual(['manager', 'staff', 'customer']);
  });
});

describe('codes and tokens', () => {
  it('draws six-digit codes, 43-character reset tokens and unambiguous recovery codes', () => {
    const codes = Array.from({ length: 200 }, generateCode);
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(190);
    expect(generateResetToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateRecoveryCode()).toMatch(/^[a-hj-km-np-z2-9]{5}-[a-hj-km-np-z2-9]{5}$/);
    expect(normalizeRecoveryCode(' ABCDE fghjk ')).toBe('abcde-fghjk');
    expect(normalizeRecoveryCode('abcde-fghjk')).toBe('abcde-fghjk');
  });

  it('keeps codes as HMACs keyed by the sealing key and bound to their purpose', () => {
    const key = randomBytes(32);
    const hash = makeHasher(key);
    expect(hash('email-verification', '123456')).toBe(makeHasher(key)('email-verification', '123456'));
    expect(hash('email-verification', '123456')).not.toBe(hash('login-2fa', '123456'));
    expect(hash('email-verification', '123456')).not.toBe(makeHasher(randomBytes(32))('email-verification', '123456'));
    expect(hash('email-verification', '123456')).not.toContain('123456');
  });
});

describe('password policy', () => {
  it.each([
    ['Zq9!x', 'at least 10 characters'],
    ['password123', undefined],
    ['qwertyuiop12', undefined],
    ['aaaaaaaaaaaa', undefined],
  ])('refuses %s', (password, reason) => {
    const verdict = assessPassword(password);
    expect(verdict.ok).toBe(false);
    if (reason) expect(verdict.reasons).toContain(reason);
  });

  it('accepts long unguessable passwords, refuses the user’s own details and more than 128 characters', () => {
    expect(assessPassword('mauve-Orchard-71-quietly').ok).toBe(true);
    expect(assessPassword('correct horse battery staple').ok).toBe(true);
    expect(assessPassword('lighthousekeeper1').ok).toBe(true);
    expect(assessPassword('lighthousekeeper1', ['lighthousekeeper@example.test'])).toMatchObject({
      ok: false,
      reasons: expect.arrayContaining(['userInputs']),
    });
    expect(assessPassword('x'.repeat(129)).reasons).toEqual(['at most 128 characters']);
    expect(() => assertStrongPassword('password123')).toThrow(expect.objectContaining({ status: 422, code: 'weak_password' }));
  });

  it('hashes with bcrypt at the configured cost, over the whole password (not its first 72 bytes)', async () => {
    const hasher = bcryptHasher(4);
    const long = `${'x'.repeat(80)}-one`;
    const hash = await hasher.hash(long);
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await hasher.verify(long, hash)).toBe(true);
    expect(await hasher.verify(`${'x'.repeat(80)}-two`, hash)).toBe(false);
    expect(await hasher.verifyNothing(long)).toBe(false);
  });
});

describe('auth config', () => {
  it('reads signing keys: private, Ed25519 or P-256, with unique kids', async () => {
    const a = await generateSigningKey();
    const b = await generateSigningKey('ES256');
    expect(parseSigningKeys(JSON.stringify([a.privateJwk, b.privateJwk])).map((k) => k.kid)).toEqual([a.kid, b.kid]);
    const bad = (value: unknown) => () => parseSigningKeys(typeof value === 'string' ? value : JSON.stringify(value));
    expect(bad('not json')).toThrow(ConfigError);
    expect(bad([])).toThrow(/non-empty/);
    expect(bad([a.publicJwk])).toThrow(/private key/);
    expect(bad([a.privateJwk, a.privateJwk])).toThrow(/duplicate kid/);
    expect(bad([{ ...a.privateJwk, kid: 'has space' }])).toThrow(/kid/);
    expect(bad([{ kty: 'oct', k: 'abc', d: 'x', kid: 'k1' }])).toThrow(/Ed25519/);
  });

  it('validates the whole environment, never naming a value', async () => {
    const key = await generateSigningKey();
    const parsed = authConfigSchema.parse({ AUTH_SIGNING_KEYS: JSON.stringify([key.privateJwk]) });
    expect(parsed).toMatchObject({ BCRYPT_COST: 12, ACCESS_TOKEN_TTL_SECONDS: 600, REFRESH_FAMILY_TTL_SECONDS: 14 * 24 * 3600 });
    expect(signingKeys(parsed)).toHaveLength(1);
    expect(() => signingKeys(authConfigSchema.parse({}))).toThrow(/AUTH_SIGNING_KEYS/);
    expect(authConfigSchema.safeParse({ NODE_ENV: 'production', BCRYPT_COST: '8' }).success).toBe(false);
    const broken = authConfigSchema.safeParse({ AUTH_SIGNING_KEYS: JSON.stringify([key.publicJwk]) });
    expect(broken.success).toBe(false);
    expect(JSON.stringify(broken.error)).not.toContain(String(key.publicJwk.x));
  });

  it('scales the service’s own rate limits', () => {
    const config = authConfigSchema.parse({ AUTH_RATE_LIMIT_SCALE: '10' });
    expect(authLimit(5, 0.5, config)).toEqual({ capacity: 50, refillPerSecond: 5 });
    expect(authLimit(5, 0.5, authConfigSchema.parse({}))).toEqual({ capacity: 5, refillPerSecond: 0.5 });
  });
});

describe('TOTP', () => {
  it('accepts the current code and one step of drift, each step once', async () => {
    const secret = newTotpSecret();
    const now = Date.parse('2026-05-01T10:00:10Z');
    const at = (offsetSeconds: number) => generate({ secret, epoch: Math.floor(now / 1000) + offsetSeconds });
    const step = await verifyTotp(secret, await at(0), 0, now);
    expect(step).toBe(Math.floor(now / 30_000));
    expect(await verifyTotp(secret, await at(0), step!, now)).toBeUndefined();
    expect(await verifyTotp(secret, await at(30), step!, now)).toBe(step! + 1);
    expect(await verifyTotp(secret, await at(90), 0, now)).toBeUndefined();
    expect(totpUri(secret, 'Marketplace', 'a@b.test')).toMatch(/^otpauth:\/\/totp\/Marketplace:a%40b\.test\?secret=/);
  });
});

describe('users', () => {
  it('keys logins by realm and lower-cased email; takes the first forwarded address', () => {
    expect(realmOf(undefined)).toBe('platform');
    expect(loginKey(realmOf('t1'), 'Ada@Example.test')).toBe('t1:ada@example.test');
    expect(clientIp({ 'x-forwarded-for': '203.0.113.5, 10.0.0.1' })).toBe('203.0.113.5');
    expect(clientIp({ 'x-real-ip': '198.51.100.7' })).toBe('198.51.100.7');
    expect(clientIp({})).toBe('unknown');
    expect(maskAddress('ada@example.test')).toBe('a***@example.test');
    expect(maskAddress('+447700900123')).toBe('+44********23');
  });

  it('shows a profile without hash, secrets or recovery codes', () => {
    const user = newUser({
      id: 'u1',
      tenantId: 't1',
      realm: 'platform',
      email: 'a@b.test',
      name: 'A',
      passwordHash: '$2b$12$secret',
      roles: ['customer'],
      now: new Date(0),
    });
    user.twoFactor = { ...user.twoFactor, method: 'totp', secretSealed: 'sealed-secret', recoveryCodes: ['r1'] };
    const profile = toProfile(user);
    expect(profile).toMatchObject({ id: 'u1', emailVerified: false, twoFactor: { enabled: true, method: 'totp' } });
    expect(JSON.stringify(profile)).not.toMatch(/secret|r1|\$2b/);
  });
});
