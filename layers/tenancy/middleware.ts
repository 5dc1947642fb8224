import type middy from '@middy/core';
import { ForbiddenError, UnauthorizedError } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';

export interface TenancyOptions {
  /** A header a client may send to state the tenant it means; it must match the token's. */
  header: string;
}

const defaults: TenancyOptions = { header: 'x-tenant-id' };

type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>;

/**
 * Binds the request to the actor's tenant: `context.tenantId` comes from the verified token
 * only. A client-stated tenant that differs is refused rather than ignored, so a client that
 * believes it acts for another tenant learns it does not.
 */
export const tenancy = (opts: Partial<TenancyOptions> = {}): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const options = { ...defaults, ...opts };
  const header = options.header.toLowerCase();
  const tenancyBefore = async (request: Request): Promise<void> => {
    const { context, event } = request;
    if (!context.actor) throw new UnauthorizedError('A bearer access token is required.', 'token_missing');
    const stated = event.headers[header];
    if (stated !== undefined && stated !== context.actor.tenantId) {
      throw new ForbiddenError('The stated tenant is not the tenant of the access token.', 'tenant_mismatch');
    }
    context.tenantId = context.actor.tenantId;
  };
  return { before: tenancyBefore };
};
