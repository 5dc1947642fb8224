import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { tenantStore, type TenantStore } from './repository';
import { etagOf, toTenant, type TenantRecord } from './rules';
import { tenant, type Tenant } from './schemas';

// Schemas: nothing in (the tenant is the caller's own, from the token); `tenant` out (./schemas).

/** The caller's tenant; a failed provisioning is no tenant. */
export const loadActiveTenant = async (tenants: Pick<TenantStore, 'get'>, tenantId: string): Promise<TenantRecord> => {
  const found = await tenants.get(tenantId);
  if (!found || found.status !== 'active') throw new NotFoundError('tenant', tenantId);
  return found;
};

export const makeGetTenant =
  (deps: { tenants: Pick<TenantStore, 'get'> }) =>
  async (tenantId: string): Promise<Tenant> =>
    toTenant(await loadActiveTenant(deps.tenants, tenantId));

/**
 * Staff and above see their tenant (its plan, owner and settings are the business's, not its
 * customers'); customers get 403.
 */
export default defineHttp(
  {
    name: 'tenant-get',
    method: 'GET',
    summary: "Get the caller's tenant",
    tags: ['tenant'],
    auth: 'staff',
    response: { status: 200, schema: tenant, description: 'The tenant' },
    errors: [404],
  },
  async ({ tenantId }) => {
    const found = await makeGetTenant({ tenants: await tenantStore() })(tenantId);
    return { body: found, headers: { etag: etagOf(found.version), 'cache-control': 'private, no-cache' } };
  },
);
