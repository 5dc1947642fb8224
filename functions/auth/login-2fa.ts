import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { checkCode, normalizeRecoveryCode } from './codes';
import { authLimit } from './config';
import { authDeps, emailKey, type AuthDeps } from './deps';
import { AccountLockedError, invalidCode } from './errors';
import type { User } from './repository';
import { code, tokenPair, type TokenPair } from './schemas';
import { finishSignin, type SigninContext } from './signin';
import type { Challenge } from './store';
import { verifyTotp } from './totp';
import { userAgentOf } from './users';

const secondFactorBody = z
  .object({
    challengeId: z.string().regex(/^[0-9a-f-]{36}$/, 'a challenge id'),
    code: code.optional(),
    recoveryCode: z.string().min(10).max(32).optional(),
  })
  .strict()
  .refine((body) => (body.code === undefined) !== (body.recoveryCode === undefined), { message: 'give either code or recoveryCode', path: ['code'] });
type SecondFactorInput = z.infer<typeof secondFactorBody>;

export const CHALLENGE_MAX_ATTEMPTS = 5;

/**
 * Completes a sign-in with its second factor: the TOTP of the user's authenticator (each time
 * step once), the code sent by email or SMS, or one of the recovery codes (each once). A
 * challenge takes 5 wrong answers, then it is gone and the sign-in starts over.
 */
export const makeLoginSecondFactor =
  (deps: AuthDeps) =>
  async (input: SecondFactorInput, userAgent: string | undefined): Promise<TokenPair> => {
    const challenge = await deps.challenges.get(input.challengeId);
    if (!challenge) throw invalidCode();
    const user = await deps.users.byId(challenge.userId);
    if (!user || user.tenantId !== challenge.tenantId || user.status === 'soft_deleted' || !user.twoFactor.method) throw invalidCode();
    const lockedMs = await deps.lockout.lockedFor(emailKey(deps, user.realm, user.email));
    if (lockedMs > 0) throw new AccountLockedError(Math.ceil(lockedMs / 1000));
    if (!(await secondFactorHolds(deps, user, challenge, input))) {
      await deps.challenges.fail(input.challengeId, CHALLENGE_MAX_ATTEMPTS);
      throw invalidCode();
    }
    // One challenge, one session: a second answer racing this one finds it gone.
    if (!(await deps.challenges.consume(input.challengeId))) throw invalidCode();
    const context: SigninContext = { ip: challenge.ip, userAgent, device: challenge.device, source: 'auth-login-2fa' };
    return finishSignin(deps, user, context);
  };

const secondFactorHolds = async (deps: AuthDeps, user: User, challenge: Challenge, input: SecondFactorInput): Promise<boolean> => {
  if (input.recoveryCode !== undefined) {
    const hash = deps.hash('recovery', normalizeRecoveryCode(input.recoveryCode));
    if (!user.twoFactor.recoveryCodes.includes(hash)) return false;
    // Used up in a conditional write: of two requests with one code, one matches.
    return deps.users.update(
      user._id,
      user.tenantId,
      { 'twoFactor.recoveryCodes': hash },
      { pullAll: { 'twoFactor.recoveryCodes': [hash] }, inc: { version: 1 } },
      [],
    );
  }
  if (challenge.method === 'totp') {
    const secret = await deps.reveal(user.twoFactor.secretSealed!);
    const last = user.twoFactor.lastTotpStep;
    const step = await verifyTotp(secret, input.code!, last, deps.now().getTime());
    if (step === undefined) return false;
    return deps.users.update(user._id, user.tenantId, { 'twoFactor.lastTotpStep': last }, { set: { 'twoFactor.lastTotpStep': step } }, []);
  }
  return (await checkCode(deps, 'login-2fa', input.challengeId, input.code!)) === 'ok';
};

export default defineHttp(
  {
    name: 'auth-login-2fa',
    method: 'POST',
    summary: 'Complete a sign-in with its second factor (TOTP, email or SMS code, or a recovery code)',
    tags: ['auth'],
    auth: 'public',
    rateLimit: { keyPrefix: 'rl:auth-login-2fa:', scopes: ['ip'], ...authLimit(30, 1 / 2) },
    request: { body: secondFactorBody },
    response: { status: 200, schema: tokenPair, description: 'Signed in' },
    errors: [400, 423, 429],
  },
  async ({ body, rawHeaders }) => ({
    body: await makeLoginSecondFactor(await authDeps())(body, userAgentOf(rawHeaders)),
    headers: { 'cache-control': 'no-store' },
  }),
);
