import { z } from 'zod';
import { ConflictError, NotFoundError, UnprocessableError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { issueCode } from './codes';
import { authLimit } from './config';
import { authDeps, type AuthDeps } from './deps';
import { AUTH_CODES } from './errors';
import { codeIssued } from './events';
import { phone, twoFactorMethod } from './schemas';
import { newTotpSecret, totpUri } from './totp';
import { maskAddress } from './users';

const setupBody = z
  .object({ method: twoFactorMethod, phone: phone.optional().describe('Required for sms') })
  .strict()
  .refine((body) => body.method !== 'sms' || body.phone !== undefined, { message: 'sms needs a phone number', path: ['phone'] });
type SetupInput = z.infer<typeof setupBody>;

const setupReply = z.object({
  method: twoFactorMethod,
  secret: z.string().optional().describe('TOTP: the base32 secret, shown once'),
  otpauthUri: z.string().optional().describe('TOTP: the otpauth:// URI for a QR code'),
  sentTo: z.string().optional().describe('email/sms: where the confirmation code went (masked)'),
});
type SetupReply = z.infer<typeof setupReply>;

/**
 * Starts enabling 2FA: a TOTP secret to scan (returned once, stored sealed), or a code sent by
 * email or SMS. Nothing is enabled until auth-2fa-confirm proves the factor works; starting
 * again replaces the pending setup. Turning on 2FA while it is on is refused (409).
 */
export const makeSetupTwoFactor =
  (deps: AuthDeps) =>
  async (actor: { userId: string; tenantId: string }, input: SetupInput): Promise<SetupReply> => {
    await deps.limit('2fa', actor.userId, authLimit(5, 1 / 60, deps.config), 'user');
    const user = await deps.users.byId(actor.userId);
    if (!user || user.tenantId !== actor.tenantId || user.status === 'soft_deleted') throw new NotFoundError('user', actor.userId);
    if (user.twoFactor.method) throw new ConflictError('Two-factor authentication is on already.', AUTH_CODES.twoFactorEnabled);
    const now = deps.now();
    if (input.method === 'totp') {
      const secret = newTotpSecret();
      const pending = { method: 'totp', phone: null, secretSealed: await deps.protect(secret), createdAt: now };
      await deps.users.update(user._id, user.tenantId, { status: user.status }, { set: { 'twoFactor.pending': pending, updatedAt: now } }, []);
      return { method: 'totp', secret, otpauthUri: totpUri(secret, deps.config.TOTP_ISSUER, user.email) };
    }
    const to = input.method === 'sms' ? input.phone! : user.email;
    const { code, expiresAt } = await issueCode(deps, '2fa-setup', user._id);
    const event = codeIssued.create({
      subject: user._id,
      tenantId: user.tenantId,
      source: 'auth-2fa-setup',
      data: {
        userId: user._id,
        purpose: '2fa-setup',
        channel: input.method,
        to,
        name: user.name,
        sealedSecret: await deps.seal(code),
        expiresAt: expiresAt.toISOString(),
      },
    });
    const pending = { method: input.method, phone: input.phone ?? null, secretSealed: null, createdAt: now };
    if (!(await deps.users.update(user._id, user.tenantId, { status: user.status }, { set: { 'twoFactor.pending': pending, updatedAt: now } }, [event]))) {
      throw new UnprocessableError('The account changed meanwhile; try again.', 'concurrent_update');
    }
    deps.nudge(user._id);
    return { method: input.method, sentTo: maskAddress(to) };
  };

export default defineHttp(
  {
    name: 'auth-2fa-setup',
    method: 'POST',
    summary: 'Start enabling two-factor authentication (TOTP, email or SMS)',
    tags: ['auth'],
    auth: 'customer',
    request: { body: setupBody },
    response: { status: 200, schema: setupReply, description: 'TOTP secret (200), or a code sent (202)' },
    errors: [404, 409, 429],
  },
  async ({ body, actor }) => {
    const reply = await makeSetupTwoFactor(await authDeps())(actor, body);
    return { status: reply.method === 'totp' ? 200 : 202, body: reply, headers: { 'cache-control': 'no-store' } };
  },
);
