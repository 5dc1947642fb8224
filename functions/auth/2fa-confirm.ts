import { z } from 'zod';
import { ConflictError, NotFoundError, TooManyRequestsError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { CODE_TTL_MS, RECOVERY_CODE_COUNT, checkCode, generateRecoveryCode } from './codes';
import { authDeps, type AuthDeps } from './deps';
import { AUTH_CODES, invalidCode } from './errors';
import { code, twoFactorMethod } from './schemas';
import { verifyTotp } from './totp';

const confirmBody = z.object({ code }).strict();

const confirmReply = z.object({
  method: twoFactorMethod,
  recoveryCodes: z.array(z.string()).length(RECOVERY_CODE_COUNT).describe('Shown once; each signs in once when the second factor is lost'),
});
type ConfirmReply = z.infer<typeof confirmReply>;

export const CONFIRM_MAX_ATTEMPTS = 5;

/**
 * Proves the pending second factor with a code from it and turns 2FA on, returning ten recovery
 * codes once (kept as HMACs). Five wrong codes within the code's lifetime drop the pending setup.
 */
export const makeConfirmTwoFactor =
  (deps: AuthDeps) =>
  async (actor: { userId: string; tenantId: string }, input: { code: string }): Promise<ConfirmReply> => {
    const user = await deps.users.byId(actor.userId);
    if (!user || user.tenantId !== actor.tenantId || user.status === 'soft_deleted') throw new NotFoundError('user', actor.userId);
    if (user.twoFactor.method) throw new ConflictError('Two-factor authentication is on already.', AUTH_CODES.twoFactorEnabled);
    const pending = user.twoFactor.pending;
    if (!pending) throw new ConflictError('Start with auth-2fa-setup.', AUTH_CODES.noPendingTwoFactor);
    const attempts = `2fa-confirm:${user._id}`;
    if ((await deps.attempts.hit(attempts, CODE_TTL_MS)) > CONFIRM_MAX_ATTEMPTS) {
      await deps.users.update(user._id, user.tenantId, { 'twoFactor.pending.createdAt': pending.createdAt }, { set: { 'twoFactor.pending': null } }, []);
      await deps.attempts.clear(attempts);
      throw new TooManyRequestsError(Math.ceil(CODE_TTL_MS / 1000), 'user');
    }
    let step = 0;
    if (pending.method === 'totp') {
      step = (await verifyTotp(await deps.reveal(pending.secretSealed!), input.code, 0, deps.now().getTime())) ?? -1;
      if (step < 0) throw invalidCode();
    } else if ((await checkCode(deps, '2fa-setup', user._id, input.code)) !== 'ok') throw invalidCode();

    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
    const twoFactor = {
      method: pending.method,
      phone: pending.phone,
      secretSealed: pending.secretSealed,
      lastTotpStep: step,
      recoveryCodes: recoveryCodes.map((recovery) => deps.hash('recovery', recovery)),
      pending: null,
    };
    const enabled = await deps.users.update(
      user._id,
      user.tenantId,
      { 'twoFactor.method': null, 'twoFactor.pending.createdAt': pending.createdAt },
      { set: { twoFactor, updatedAt: deps.now() }, inc: { version: 1 } },
      [],
    );
    if (!enabled) throw new ConflictError('The pending setup changed meanwhile; start again.', AUTH_CODES.noPendingTwoFactor);
    await deps.attempts.clear(attempts);
    return { method: pending.method, recoveryCodes };
  };

export default defineHttp(
  {
    name: 'auth-2fa-confirm',
    method: 'POST',
    summary: 'Confirm the pending second factor and turn 2FA on',
    tags: ['auth'],
    auth: 'customer',
    request: { body: confirmBody },
    response: { status: 200, schema: confirmReply, description: '2FA is on; the recovery codes are shown once' },
    errors: [400, 404, 409, 429],
  },
  async ({ body, actor }) => ({ body: await makeConfirmTwoFactor(await authDeps())(actor, body), headers: { 'cache-control': 'no-store' } }),
);
