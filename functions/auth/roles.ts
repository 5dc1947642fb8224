import { ROLE_LEVEL, levelOf, type Actor, type Role } from '../../layers/auth/types';
import { ForbiddenError } from '../../layers/errors';
import { canGrant } from '../../layers/rbac';
import { AUTH_CODES } from './errors';

/**
 * Role grants: a user may grant only roles strictly below their own level, and may change only
 * users strictly below it (an admin can neither promote nor demote another admin, nor change
 * themselves). Staff and above hold a staff seat of the tenant's plan.
 */
export type SeatChange = 'take' | 'release' | 'keep';

export const holdsSeat = (roles: readonly Role[]): boolean => levelOf(roles) >= ROLE_LEVEL.staff;

export const planRoleChange = (granter: Actor, current: readonly Role[], next: readonly Role[]): SeatChange => {
  if (levelOf(current) >= levelOf(granter.roles)) {
    throw new ForbiddenError('You may not change the roles of a user at or above your own level.', AUTH_CODES.roleAboveOwnLevel);
  }
  const above = next.filter((role) => !canGrant(granter, role));
  if (above.length > 0) {
    throw new ForbiddenError(`Granting ${above.join(', ')} requires a role above it.`, AUTH_CODES.roleAboveOwnLevel, { roles: above });
  }
  const had = holdsSeat(current);
  const has = holdsSeat(next);
  return had === has ? 'keep' : has ? 'take' : 'release';
};

/** The roles as stored: each once, highest first. */
export const normalizeRoles = (roles: readonly Role[]): Role[] => [...new Set(roles)].sort((a, b) => ROLE_LEVEL[b] - ROLE_LEVEL[a]);
