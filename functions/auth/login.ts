import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { issueCode } from './codes';
import { authLimit } from './config';
import { authDeps, emailKey, type AuthDeps } from './deps';
import { AccountLockedError, invalidCredentials } from './errors';
import { codeIssued } from './events';
import type { User } from './repository';
import { RISK_HISTORY_MS, assessSignin, deviceOf, rememberDevice } from './risk';
import { email, password, tenantIdField, tokenPair, twoFactorMethod, type TokenPair } from './schemas';
import { finishSignin, flag, type SigninContext } from './signin';
import { clientIp, loginKey, realmOf, userAgentOf } from './users';

const loginBody = z.object({ email, password, tenantId: tenantIdField.optional() }).strict();
type LoginInput = z.infer<typeof loginBody>;

const challenge = z.object({
  twoFactorRequired: z.literal(true),
  challengeId: z.string(),
  method: twoFactorMethod,
});
type Challenge = z.infer<typeof challenge>;

export const LOCKOUT = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 } as const;
export const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * Signs in with email and password. An unknown email and a wrong password get the same 401
 * `invalid_credentials` after the same bcrypt work, and failures are counted and locked per
 * email, known or not (5 in a row → 423 `account_locked` for 15 minutes), so neither the
 * answer, its timing nor the lockout tells whether an account exists. A suspicious success is
 * flagged (risk.ts); with 2FA on, the answer is a challenge for auth-login-2fa.
 */
export const makeLogin =
  (deps: AuthDeps) =>
  async (input: LoginInput, client: { ip: string; userAgent: string | undefined }): Promise<TokenPair | Challenge> => {
    const realm = realmOf(input.tenantId);
    const key = emailKey(deps, realm, input.email);
    await deps.limit('login', deps.hash('ip-email', `${client.ip}|${key}`), authLimit(10, 1 / 30, deps.config), 'ip+email');
    const lockedMs = await deps.lockout.lockedFor(key);
    if (lockedMs > 0) throw new AccountLockedError(Math.ceil(lockedMs / 1000));

    const login = await deps.users.findLogin(loginKey(realm, input.email));
    const found = login ? await deps.users.byId(login.userId) : undefined;
    const user = found && found.tenantId === login?.tenantId && found.status !== 'soft_deleted' ? found : undefined;
    const ok = user ? await deps.passwords.verify(input.password, user.passwordHash) : await deps.passwords.verifyNothing(input.password);
    const now = deps.now().getTime();
    const context: SigninContext = { ip: client.ip, userAgent: client.userAgent, device: deviceOf(client.userAgent), source: 'auth-login' };
    const attempt = { at: now, ip: client.ip, device: context.device, ok, fresh: !user?.knownDevices.includes(context.device) };

    if (!ok || !user) {
      const { lockedNow } = await deps.lockout.fail(key, LOCKOUT.maxFailures, LOCKOUT.windowMs, LOCKOUT.lockMs);
      if (user) await deps.risk.record(user._id, attempt, RISK_HISTORY_MS);
      if (lockedNow) {
        if (user) await flag(deps, user, ['too_many_failures'], true, context);
        throw new AccountLockedError(Math.ceil(LOCKOUT.lockMs / 1000));
      }
      throw invalidCredentials();
    }

    const failuresBefore = await deps.lockout.failures(key);
    await deps.lockout.clear(key);
    const history = await deps.risk.since(user._id, now - RISK_HISTORY_MS);
    await deps.risk.record(user._id, attempt, RISK_HISTORY_MS);
    const reasons = assessSignin({ attempt, history, knownDevices: user.knownDevices, failuresBefore });
    if (reasons.length > 0) {
      // The device is remembered with the flag, in the same write.
      const knownDevices = user.twoFactor.method ? user.knownDevices : rememberDevice(user.knownDevices, context.device);
      await flag(deps, user, reasons, false, context, { knownDevices });
      user.knownDevices = knownDevices;
    }
    if (user.twoFactor.method) return startChallenge(deps, user, context);
    return finishSignin(deps, user, context);
  };

const startChallenge = async (deps: AuthDeps, user: User, context: SigninContext): Promise<Challenge> => {
  const method = user.twoFactor.method!;
  const challengeId = deps.newId();
  await deps.challenges.put(challengeId, { userId: user._id, tenantId: user.tenantId, method, ip: context.ip, device: context.device }, CHALLENGE_TTL_MS);
  if (method !== 'totp') {
    const { code, expiresAt } = await issueCode(deps, 'login-2fa', challengeId);
    const event = codeIssued.create({
      subject: user._id,
      tenantId: user.tenantId,
      source: 'auth-login',
      data: {
        userId: user._id,
        purpose: 'login-2fa',
        channel: method,
        to: method === 'sms' ? user.twoFactor.phone! : user.email,
        name: user.name,
        sealedSecret: await deps.seal(code),
        expiresAt: expiresAt.toISOString(),
      },
    });
    await deps.users.update(user._id, user.tenantId, {}, { set: { updatedAt: deps.now() } }, [event]);
    deps.nudge(user._id);
  }
  return { twoFactorRequired: true, challengeId, method };
};

export default defineHttp(
  {
    name: 'auth-login',
    method: 'POST',
    summary: 'Sign in with email and password',
    description: 'Returns tokens, or a 2FA challenge to complete with auth-login-2fa. 5 failures in a row lock the email for 15 minutes (423).',
    tags: ['auth'],
    auth: 'public',
    rateLimit: { keyPrefix: 'rl:auth-login:', scopes: ['ip'], ...authLimit(30, 1 / 2) },
    request: { body: loginBody },
    response: { status: 200, schema: z.union([tokenPair, challenge]), description: 'Tokens, or a second-factor challenge' },
    errors: [401, 423, 429],
  },
  async ({ body, rawHeaders }) => ({
    body: await makeLogin(await authDeps())(body, { ip: clientIp(rawHeaders), userAgent: userAgentOf(rawHeaders) }),
    headers: { 'cache-control': 'no-store' },
  }),
);
