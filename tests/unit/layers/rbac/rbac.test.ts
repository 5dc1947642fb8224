import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { levelOf, type Actor, type Role } from '../../../../layers/auth/types';
import { httpErrors } from '../../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../../layers/http/types';
import { assertCanGrant, canGrant, hasRole, requireRole } from '../../../../layers/rbac';
import { functionContext, httpEvent } from '../http/fixtures';

const actor = (...roles: Role[]): Actor => ({ userId: 'u1', tenantId: 't1', roles, level: levelOf(roles) });

const call = (min: Role, who?: Actor) =>
  middy<HttpEvent, HttpResponse, Error, FunctionContext>()
    .use(httpErrors())
    .use(requireRole(min))
    .handler(async () => ({ statusCode: 204, headers: {} }))(httpEvent(), functionContext(who ? { actor: who } : {}));

describe('requireRole', () => {
  it.each([
    ['manager', ['manager']],
    ['manager', ['owner']],
    ['staff', ['customer', 'admin']],
    ['owner', ['platform']],
    ['customer', ['customer']],
  ] as [Role, Role[]][])('admits %s for an actor with %j', async (min, roles) => {
    expect(await call(min, actor(...roles))).toEqual({ statusCode: 204, headers: {} });
  });

  it('refuses a lower role with 403 insufficient_role naming the required role', async () => {
    expect(await call('admin', actor('staff', 'manager'))).toEqual({
      statusCode: 403,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: {
        type: 'https://docs.marketplace.dev/problems/insufficient_role',
        title: 'Forbidden',
        status: 403,
        detail: 'This operation requires the role admin or higher.',
        instance: 'urn:request:req-1',
        code: 'insufficient_role',
        requiredRole: 'admin',
      },
    });
  });

  it('trusts the roles, not a level someone put on the actor', async () => {
    expect((await call('owner', { ...actor('staff'), level: 1000 })).statusCode).toBe(403);
  });

  it('answers 401 when no actor was authenticated', async () => {
    expect(await call('customer')).toMatchObject({ statusCode: 401, body: { code: 'token_missing' } });
  });

  it('refuses an unknown role at construction', () => {
    expect(() => requireRole('root' as Role)).toThrow(TypeError);
  });
});

describe('canGrant', () => {
  it('lets a role grant only roles strictly below its level', () => {
    expect(canGrant(actor('admin'), 'manager')).toBe(true);
    expect(canGrant(actor('admin'), 'admin')).toBe(false);
    expect(canGrant(actor('admin'), 'owner')).toBe(false);
    expect(canGrant(actor('owner'), 'admin')).toBe(true);
    expect(canGrant(actor('platform'), 'owner')).toBe(true);
    expect(canGrant(actor('customer'), 'customer')).toBe(false);
    expect(canGrant(actor('admin'), 'root' as Role)).toBe(false);
  });

  it('assertCanGrant throws 403 role_grant_forbidden', () => {
    expect(() => assertCanGrant(actor('manager'), 'staff')).not.toThrow();
    expect(() => assertCanGrant(actor('manager'), 'manager')).toThrow(expect.objectContaining({ status: 403, code: 'role_grant_forbidden' }));
  });

  it('hasRole compares levels', () => {
    expect(hasRole(actor('manager'), 'staff')).toBe(true);
    expect(hasRole(actor(), 'customer')).toBe(false);
  });
});
