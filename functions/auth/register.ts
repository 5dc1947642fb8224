import { z } from 'zod';
import { ConflictError, UnprocessableError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { issueCode } from './codes';
import { authLimit } from './config';
import { authDeps, emailKey, type AuthDeps } from './deps';
import { AUTH_CODES } from './errors';
import { codeIssued, userRegistered } from './events';
import { assertStrongPassword } from './passwords';
import { email, password, tenantIdField, userStatus } from './schemas';
import { loginKey, newUser, realmOf } from './users';

const registerBody = z
  .object({
    email,
    password,
    name: z.string().trim().min(1).max(120),
    tenantId: tenantIdField.optional(),
  })
  .strict();
type RegisterInput = z.infer<typeof registerBody>;

const registered = z.object({
  userId: z.string(),
  tenantId: z.string().describe("The customer's tenant, or the tenant id reserved for a seller's onboarding"),
  status: userStatus,
});

/** A login lookup older than this whose user does not exist was left by a crash between the two writes. */
const DANGLING_AFTER_MS = 60_000;

/**
 * Registers a person: a customer in an existing tenant's realm, or (no tenantId) a seller in the
 * platform's, who gets a tenant id reserved for their onboarding. The email's login lookup is
 * claimed first, so two registrations of one email cannot both succeed; then the user and its
 * events (registered, verification code sealed) are one document write.
 *
 * A duplicate email answers 409 `email_taken`: the issue counts it as bad input. That tells an
 * anonymous caller the address has an account in this realm; registration is rate-limited per IP
 * and per email to keep that from becoming a bulk lookup.
 */
export const makeRegister =
  (deps: AuthDeps) =>
  async (input: RegisterInput): Promise<z.infer<typeof registered>> => {
    assertStrongPassword(input.password, [input.email, input.name]);
    const realm = realmOf(input.tenantId);
    await deps.limit('register', emailKey(deps, realm, input.email), authLimit(5, 1 / 600, deps.config));
    if (input.tenantId && !(await deps.users.tenantExists(input.tenantId))) {
      throw new UnprocessableError('There is no such tenant to register with.', AUTH_CODES.unknownTenant);
    }
    const userId = deps.newId();
    const tenantId = input.tenantId ?? deps.newId();
    const now = deps.now();
    const passwordHash = await deps.passwords.hash(input.password);
    const key = loginKey(realm, input.email);
    const claim = await deps.users.claimLogin(key, userId, tenantId, now);
    if (!claim.claimed) {
      const dangling = now.getTime() - claim.since.getTime() > DANGLING_AFTER_MS && !(await deps.users.byId(claim.holder));
      if (!dangling || !(await deps.users.takeOverLogin(key, claim.holder, userId, tenantId, now))) {
        throw new ConflictError('An account with this email exists; sign in or reset the password.', AUTH_CODES.emailTaken);
      }
    }
    const user = newUser({ id: userId, tenantId, realm, email: input.email, name: input.name, passwordHash, roles: ['customer'], now });
    const { code, expiresAt } = await issueCode(deps, 'email-verification', userId);
    const source = 'auth-register';
    const events = [
      userRegistered.create({ subject: userId, tenantId, source, data: { userId, email: input.email, name: input.name, role: 'customer' } }),
      codeIssued.create({
        subject: userId,
        tenantId,
        source,
        data: {
          userId,
          purpose: 'email-verification',
          channel: 'email',
          to: input.email,
          name: input.name,
          sealedSecret: await deps.seal(code),
          expiresAt: expiresAt.toISOString(),
        },
      }),
    ];
    try {
      await deps.users.insertUser(user, events);
    } catch (error) {
      await deps.users.releaseLogin(key, userId).catch(() => undefined);
      throw error;
    }
    deps.nudge(userId);
    return { userId, tenantId, status: user.status };
  };

export default defineHttp(
  {
    name: 'auth-register',
    method: 'POST',
    summary: 'Register (a customer in a tenant, or a seller on the platform)',
    description: 'Sends a 6-digit email verification code (auth.code.issued). Passwords: 10–128 characters, not guessable (422 weak_password).',
    tags: ['auth'],
    auth: 'public',
    idempotent: true,
    rateLimit: { keyPrefix: 'rl:auth-register:', scopes: ['ip'], ...authLimit(20, 1 / 60) },
    request: { body: registerBody },
    response: { status: 201, schema: registered, description: 'Registered; the email is not verified yet' },
    errors: [409, 422, 429],
  },
  async ({ body }) => ({ body: await makeRegister(await authDeps())(body) }),
);
