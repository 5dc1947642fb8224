import type middy from '@middy/core';
import { ROLE_LEVEL, isRole, levelOf, type Actor, type Role } from '../auth/types';
import { ForbiddenError, UnauthorizedError } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';

/**
 * Hierarchical roles: a check for role R admits every actor whose highest role's level is at
 * least R's. The level is recomputed from the roles rather than trusted from the context.
 */
export const hasRole = (actor: Actor, min: Role): boolean => levelOf(actor.roles) >= ROLE_LEVEL[min];

/** A role may grant only roles strictly below its own level: an admin makes managers, not admins. */
export const canGrant = (granter: Actor, role: Role): boolean => isRole(role) && levelOf(granter.roles) > ROLE_LEVEL[role];

export const assertCanGrant = (granter: Actor, role: Role): void => {
  if (!canGrant(granter, role)) {
    throw new ForbiddenError(`Granting the role ${role} requires a role above it.`, 'role_grant_forbidden', { role });
  }
};

type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>;

/** Refuses callers below `min` with 403 `insufficient_role`; runs after `jwtAuth`. */
export const requireRole = (min: Role): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  if (!isRole(min)) throw new TypeError(`requireRole: unknown role ${String(min)}.`);
  const requireRoleBefore = async (request: Request): Promise<void> => {
    const { actor } = request.context;
    // No actor means the stack was wired without jwtAuth: refuse rather than guess.
    if (!actor) throw new UnauthorizedError('A bearer access token is required.', 'token_missing');
    if (!hasRole(actor, min)) {
      throw new ForbiddenError(`This operation requires the role ${min} or higher.`, 'insufficient_role', { requiredRole: min });
    }
  };
  return { before: requireRoleBefore };
};
