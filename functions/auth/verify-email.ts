import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { checkCode, issueCode } from './codes';
import { authLimit } from './config';
import { authDeps, emailKey, type AuthDeps } from './deps';
import { invalidCode } from './errors';
import { codeIssued } from './events';
import type { User } from './repository';
import { code, email, tenantIdField } from './schemas';
import { loginKey, realmOf } from './users';

const verifyBody = z
  .object({
    email,
    tenantId: tenantIdField.optional(),
    code: code.optional(),
    resend: z.literal(true).optional().describe('Send a new code instead of checking one'),
  })
  .strict()
  .refine((body) => (body.code === undefined) !== (body.resend === undefined), { message: 'give either code or resend: true', path: ['code'] });
type VerifyInput = z.infer<typeof verifyBody>;

const verifyReply = z.object({ status: z.enum(['active', 'sent']) });

/**
 * Checks an email verification code, or sends a new one. An unknown email, a wrong, expired,
 * used or burnt code all get the same 400 `invalid_code`, and a resend always answers 202,
 * so the reply never tells whether an address has an account.
 */
export const makeVerifyEmail =
  (deps: AuthDeps) =>
  async (input: VerifyInput): Promise<{ status: 'active' | 'sent' }> => {
    const realm = realmOf(input.tenantId);
    await deps.limit('verify', emailKey(deps, realm, input.email), authLimit(10, 1 / 30, deps.config));
    const login = await deps.users.findLogin(loginKey(realm, input.email));
    const found = login ? await deps.users.byId(login.userId) : undefined;
    const user = found && found.tenantId === login?.tenantId && found.status !== 'soft_deleted' ? found : undefined;
    if (input.resend) {
      if (user?.status === 'pending_verification') await resend(deps, user);
      return { status: 'sent' };
    }
    // An unknown user still costs one code check, against a subject that never has a code.
    const outcome = await checkCode(deps, 'email-verification', user?._id ?? `none:${emailKey(deps, realm, input.email)}`, input.code!);
    if (outcome !== 'ok' || !user) throw invalidCode();
    if (user.status === 'pending_verification') {
      const now = deps.now();
      await deps.users.update(
        user._id,
        user.tenantId,
        { status: 'pending_verification' },
        { set: { status: 'active', verifiedAt: now, updatedAt: now }, inc: { version: 1 } },
        [],
      );
    }
    return { status: 'active' };
  };

const resend = async (deps: AuthDeps, user: User): Promise<void> => {
  const { code: fresh, expiresAt } = await issueCode(deps, 'email-verification', user._id);
  const event = codeIssued.create({
    subject: user._id,
    tenantId: user.tenantId,
    source: 'auth-verify-email',
    data: {
      userId: user._id,
      purpose: 'email-verification',
      channel: 'email',
      to: user.email,
      name: user.name,
      sealedSecret: await deps.seal(fresh),
      expiresAt: expiresAt.toISOString(),
    },
  });
  if (await deps.users.update(user._id, user.tenantId, { status: 'pending_verification' }, { set: { updatedAt: deps.now() } }, [event])) deps.nudge(user._id);
};

export default defineHttp(
  {
    name: 'auth-verify-email',
    method: 'POST',
    summary: 'Verify an email address with its code (or send a new code)',
    tags: ['auth'],
    auth: 'public',
    rateLimit: { keyPrefix: 'rl:auth-verify:', scopes: ['ip'], ...authLimit(30, 1 / 10) },
    request: { body: verifyBody },
    response: { status: 200, schema: verifyReply, description: 'Verified (200), or a new code is on its way (202)' },
    errors: [429],
  },
  async ({ body }) => {
    const result = await makeVerifyEmail(await authDeps())(body);
    return { status: result.status === 'sent' ? 202 : 200, body: result };
  },
);
