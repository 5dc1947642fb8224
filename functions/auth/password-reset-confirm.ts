import { z } from 'zod';
import { BadRequestError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { authLimit } from './config';
import { authDeps, emailKey, type AuthDeps } from './deps';
import { AUTH_CODES } from './errors';
import { assertStrongPassword } from './passwords';
import { password } from './schemas';

const resetConfirmBody = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a reset token'), password }).strict();
type ResetConfirmInput = z.infer<typeof resetConfirmBody>;

const invalidToken = (): BadRequestError => new BadRequestError('The reset token is wrong, used or expired.', AUTH_CODES.invalidToken);

/**
 * Sets a new password with a reset token. The password policy is checked before the token is
 * used, so a weak password (422) leaves the token good. Then: the token is gone, every session
 * of the user is revoked (tokenEpoch), the lockout is cleared, and an unverified address counts
 * as verified (the token came through it).
 */
export const makeConfirmReset =
  (deps: AuthDeps) =>
  async (input: ResetConfirmInput): Promise<void> => {
    const hash = deps.hash('reset', input.token);
    const userId = await deps.resets.peek(hash);
    const user = userId ? await deps.users.byId(userId) : undefined;
    if (!user || user.status === 'soft_deleted') throw invalidToken();
    assertStrongPassword(input.password, [user.email, user.name]);
    const passwordHash = await deps.passwords.hash(input.password);
    if ((await deps.resets.consume(hash)) !== user._id) throw invalidToken();
    const now = deps.now();
    const set: Record<string, unknown> = { passwordHash, updatedAt: now };
    if (user.status === 'pending_verification') Object.assign(set, { status: 'active', verifiedAt: now });
    if (!(await deps.users.update(user._id, user.tenantId, { status: user.status }, { set, inc: { tokenEpoch: 1, version: 1 } }, []))) throw invalidToken();
    await deps.lockout.clear(emailKey(deps, user.realm, user.email));
  };

export default defineHttp(
  {
    name: 'auth-password-reset-confirm',
    method: 'POST',
    summary: 'Set a new password with a reset token (signs out every session)',
    tags: ['auth'],
    auth: 'public',
    rateLimit: { keyPrefix: 'rl:auth-reset-confirm:', scopes: ['ip'], ...authLimit(10, 1 / 30) },
    request: { body: resetConfirmBody },
    response: { status: 204, description: 'The password is changed' },
    errors: [400, 422, 429],
  },
  async ({ body }) => {
    await makeConfirmReset(await authDeps())(body);
    return { status: 204 };
  },
);
