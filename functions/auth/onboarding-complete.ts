import { z } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { plan, tenantSlug, tenantType } from '../tenant/schemas';
import { authDeps, type AuthDeps } from './deps';
import { AUTH_CODES } from './errors';
import { userOnboardingCompleted } from './events';
import { PLATFORM_REALM } from './users';

const onboardingBody = z.object({ tenant: z.object({ name: z.string().trim().min(1).max(120), slug: tenantSlug, type: tenantType, plan }).strict() }).strict();
type OnboardingInput = z.infer<typeof onboardingBody>;

const onboardingReply = z.object({
  status: z.literal('requested'),
  tenantId: z.string().describe('The tenant being provisioned; sign in again (or refresh) once it is, to act as its owner'),
});

/**
 * Step 1 of the onboarding saga: a verified seller asks for their tenant (the id reserved at
 * registration). The tenant service provisions it and auth-on-tenant-provisioned makes the user
 * its owner; a failure rolls the user back (auth-on-user-rollback).
 */
export const makeCompleteOnboarding =
  (deps: AuthDeps) =>
  async (actor: { userId: string; tenantId: string }, input: OnboardingInput): Promise<z.infer<typeof onboardingReply>> => {
    const user = await deps.users.byId(actor.userId);
    if (!user || user.tenantId !== actor.tenantId || user.status === 'soft_deleted') throw new NotFoundError('user', actor.userId);
    if (user.status !== 'active') throw new ForbiddenError('Verify your email address first.', AUTH_CODES.emailNotVerified);
    if (user.realm !== PLATFORM_REALM)
      throw new ForbiddenError("A tenant's customer account cannot own a tenant; register as a seller.", 'not_a_seller_account');
    if (user.onboarding.status !== 'none' || user.roles.includes('owner')) {
      throw new ConflictError('Onboarding was completed already.', AUTH_CODES.alreadyOnboarded, { onboarding: user.onboarding.status });
    }
    const now = deps.now();
    const event = userOnboardingCompleted.create({
      subject: user._id,
      tenantId: user.tenantId,
      source: 'auth-onboarding-complete',
      data: { userId: user._id, email: user.email, name: user.name, tenant: input.tenant },
    });
    const requested = await deps.users.update(
      user._id,
      user.tenantId,
      { 'onboarding.status': 'none', version: user.version },
      { set: { onboarding: { status: 'requested', tenant: input.tenant, at: now }, updatedAt: now }, inc: { version: 1 } },
      [event],
    );
    if (!requested) throw new ConflictError('Onboarding was completed already.', AUTH_CODES.alreadyOnboarded);
    deps.nudge(user._id);
    return { status: 'requested', tenantId: user.tenantId };
  };

export default defineHttp(
  {
    name: 'auth-onboarding-complete',
    method: 'POST',
    summary: 'Finish onboarding: ask for your tenant to be provisioned',
    tags: ['auth', 'onboarding'],
    auth: 'customer',
    idempotent: true,
    request: { body: onboardingBody },
    response: { status: 202, schema: onboardingReply, description: 'Provisioning requested' },
    errors: [403, 404, 409],
  },
  async ({ body, actor }) => ({ body: await makeCompleteOnboarding(await authDeps())(actor, body) }),
);
