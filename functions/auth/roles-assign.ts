import { z } from 'zod';
import type { Actor } from '../../layers/auth/types';
import { ConflictError, NotFoundError, UnprocessableError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { authDeps, type AuthDeps } from './deps';
import { AUTH_CODES } from './errors';
import { roleAssigned } from './events';
import { normalizeRoles, planRoleChange } from './roles';
import { profile, role, userId, type Profile } from './schemas';
import { toProfile } from './users';

const assignBody = z.object({ userId, roles: z.array(role).min(1).max(6) }).strict();
type AssignInput = z.infer<typeof assignBody>;

/**
 * Sets a user's roles, within the caller's tenant (another tenant's user is 404) and below the
 * caller's own level (403 `role_above_own_level`). Becoming staff or higher takes a staff seat
 * of the tenant's plan (403 `plan_limit_exceeded` when none is left) and needs a verified email;
 * dropping every staff role frees the seat.
 */
export const makeAssignRoles =
  (deps: AuthDeps) =>
  async (actor: Actor, input: AssignInput): Promise<Profile> => {
    const target = await deps.users.byId(input.userId);
    if (!target || target.tenantId !== actor.tenantId || target.status === 'soft_deleted') throw new NotFoundError('user', input.userId);
    const roles = normalizeRoles(input.roles);
    const seat = planRoleChange(actor, target.roles, roles);
    if (seat === 'take' && target.status !== 'active') {
      throw new UnprocessableError('Staff roles need a verified email address.', AUTH_CODES.emailNotVerified);
    }
    if (seat === 'take') await deps.seats.take(actor.tenantId);
    const event = roleAssigned.create({
      subject: target._id,
      tenantId: target.tenantId,
      source: 'auth-roles-assign',
      data: { userId: target._id, roles, grantedBy: actor.userId },
    });
    const now = deps.now();
    const changed = await deps.users
      .update(target._id, target.tenantId, { version: target.version }, { set: { roles, updatedAt: now }, inc: { version: 1 } }, [event])
      .catch(async (error: unknown) => {
        if (seat === 'take') await deps.seats.release(actor.tenantId);
        throw error;
      });
    if (!changed) {
      if (seat === 'take') await deps.seats.release(actor.tenantId);
      throw new ConflictError('The user changed meanwhile; read it again and retry.', 'concurrent_update');
    }
    if (seat === 'release') await deps.seats.release(actor.tenantId);
    deps.nudge(target._id);
    return toProfile({ ...target, roles, version: target.version + 1, updatedAt: now });
  };

export default defineHttp(
  {
    name: 'auth-roles-assign',
    method: 'POST',
    summary: "Set a user's roles (only roles below your own)",
    tags: ['auth'],
    auth: 'admin',
    request: { body: assignBody },
    response: { status: 200, schema: profile, description: "The user's profile with the new roles" },
    errors: [403, 404, 409, 422],
  },
  async ({ body, actor }) => ({ body: await makeAssignRoles(await authDeps())(actor, body) }),
);
