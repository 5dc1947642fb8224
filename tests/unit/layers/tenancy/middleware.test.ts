import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../../layers/auth/types';
import { httpErrors } from '../../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../../layers/http/types';
import { tenancy } from '../../../../layers/tenancy';
import { functionContext, httpEvent } from '../http/fixtures';

const actor: Actor = { userId: 'u1', tenantId: 'tenant-a', roles: ['staff'], level: 40 };

const call = (headers: Record<string, string>, context: Partial<FunctionContext>, opts = {}) =>
  middy<HttpEvent, HttpResponse, Error, FunctionContext>()
    .use(httpErrors())
    .use(tenancy(opts))
    .handler(async (_event, ctx) => ({ statusCode: 200, headers: {}, body: { tenantId: ctx.tenantId } }))(httpEvent({ headers }), functionContext(context));

describe('tenancy', () => {
  it('binds the request to the token tenant', async () => {
    expect(await call({}, { actor })).toEqual({ statusCode: 200, headers: {}, body: { tenantId: 'tenant-a' } });
  });

  it('overrides a tenant set before it with the token tenant', async () => {
    expect(await call({}, { actor, tenantId: 'tenant-b' })).toEqual({ statusCode: 200, headers: {}, body: { tenantId: 'tenant-a' } });
  });

  it('accepts a matching x-tenant-id header', async () => {
    expect((await call({ 'x-tenant-id': 'tenant-a' }, { actor })).statusCode).toBe(200);
  });

  it('refuses a different x-tenant-id with 403 tenant_mismatch', async () => {
    expect(await call({ 'x-tenant-id': 'tenant-b' }, { actor })).toEqual({
      statusCode: 403,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: {
        type: 'https://docs.marketplace.dev/problems/tenant_mismatch',
        title: 'Forbidden',
        status: 403,
        detail: 'The stated tenant is not the tenant of the access token.',
        instance: 'urn:request:req-1',
        code: 'tenant_mismatch',
      },
    });
    expect((await call({ 'x-tenant-id': '' }, { actor })).statusCode).toBe(403);
  });

  it('reads another header when told to', async () => {
    expect((await call({ 'x-org': 'tenant-b' }, { actor }, { header: 'X-Org' })).statusCode).toBe(403);
    expect((await call({ 'x-tenant-id': 'tenant-b' }, { actor }, { header: 'X-Org' })).statusCode).toBe(200);
  });

  it('answers 401 without an actor', async () => {
    expect(await call({}, {})).toMatchObject({ statusCode: 401, body: { code: 'token_missing' } });
  });
});
