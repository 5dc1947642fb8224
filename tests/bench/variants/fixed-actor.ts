import type middy from '@middy/core';
import type { Actor } from '../../../layers/auth/types';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../layers/http/types';

/**
 * Stands in for `layers/auth`'s `jwtAuth` in the "without the auth layer" build of a function
 * (see no-auth-bundle.ts): it sets the same `context.actor` and `context.tenantId` that a
 * verified token would, from BENCH_FIXED_ACTOR (JSON), and verifies nothing. Every other
 * middleware of the stack (tenancy, RBAC, rate limit, validation) and the core are the real ones.
 */
export const jwtAuth = (): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const raw = process.env.BENCH_FIXED_ACTOR;
  if (!raw) throw new Error('BENCH_FIXED_ACTOR is not set: the no-auth bench build needs the actor it stands for');
  const actor = Object.freeze(JSON.parse(raw) as Actor);
  const fixedActorBefore = async (request: middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>): Promise<void> => {
    request.context.actor = actor;
    request.context.tenantId = actor.tenantId;
  };
  return { before: fixedActorBefore };
};
