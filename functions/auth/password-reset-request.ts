import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { RESET_TTL_MS, generateResetToken } from './codes';
import { authLimit } from './config';
import { authDeps, emailKey, type AuthDeps } from './deps';
import { codeIssued } from './events';
import { email, tenantIdField } from './schemas';
import { loginKey, realmOf } from './users';

const resetRequestBody = z.object({ email, tenantId: tenantIdField.optional() }).strict();
type ResetRequestInput = z.infer<typeof resetRequestBody>;

const accepted = z.object({ status: z.literal('accepted') });

/** Every answer takes at least this long, so the work done for an existing account does not show. */
export const RESET_MIN_RESPONSE_MS = 300;

/**
 * Starts a password reset: when the address has an account, a single-use token (32 random bytes)
 * is kept as an HMAC for 30 minutes and sent sealed (auth.code.issued, purpose password-reset);
 * a newer request replaces an older token. Either way the answer is the same 202, after the same
 * kind of work (token made, sealed and stored) and never sooner than RESET_MIN_RESPONSE_MS.
 */
export const makeRequestReset =
  (deps: AuthDeps & { sleep?: (ms: number) => Promise<void> }) =>
  async (input: ResetRequestInput): Promise<{ status: 'accepted' }> => {
    const started = deps.now().getTime();
    const realm = realmOf(input.tenantId);
    await deps.limit('reset', emailKey(deps, realm, input.email), authLimit(3, 1 / 300, deps.config));
    const token = generateResetToken();
    const hash = deps.hash('reset', token);
    const sealedSecret = await deps.seal(token);
    const login = await deps.users.findLogin(loginKey(realm, input.email));
    const found = login ? await deps.users.byId(login.userId) : undefined;
    const user = found && found.tenantId === login?.tenantId && found.status !== 'soft_deleted' ? found : undefined;
    if (user) {
      await deps.resets.put(user._id, hash, RESET_TTL_MS);
      const event = codeIssued.create({
        subject: user._id,
        tenantId: user.tenantId,
        source: 'auth-password-reset-request',
        data: {
          userId: user._id,
          purpose: 'password-reset',
          channel: 'email',
          to: user.email,
          name: user.name,
          sealedSecret,
          expiresAt: new Date(started + RESET_TTL_MS).toISOString(),
        },
      });
      await deps.users.update(user._id, user.tenantId, {}, { set: { updatedAt: deps.now() } }, [event]);
      deps.nudge(user._id);
    } else {
      // The same store write, for a subject no account has: the token it keeps resets nothing.
      await deps.resets.put(`none:${emailKey(deps, realm, input.email)}`, hash, RESET_TTL_MS);
    }
    const remaining = RESET_MIN_RESPONSE_MS - (deps.now().getTime() - started);
    if (remaining > 0) await (deps.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))))(remaining);
    return { status: 'accepted' };
  };

export default defineHttp(
  {
    name: 'auth-password-reset-request',
    method: 'POST',
    summary: 'Request a password reset email',
    description: 'Always 202, whether or not the address has an account.',
    tags: ['auth'],
    auth: 'public',
    rateLimit: { keyPrefix: 'rl:auth-reset:', scopes: ['ip'], ...authLimit(10, 1 / 60) },
    request: { body: resetRequestBody },
    response: { status: 202, schema: accepted, description: 'If the account exists, a reset link is on its way' },
    errors: [429],
  },
  async ({ body }) => ({ body: await makeRequestReset(await authDeps())(body) }),
);
