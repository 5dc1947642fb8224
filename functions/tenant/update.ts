import { PreconditionFailedError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { tenantDeps, type TenantDeps } from './deps';
import { tenantUpdated } from './events';
import { loadActiveTenant } from './get';
import { applyTenantPatch, assertVersion, etagOf, toTenant, versionFromEtag } from './rules';
import { ifMatchHeaders, tenant, tenantPatch, type Tenant, type TenantPatch } from './schemas';

// Schemas: `tenantPatch` body and `If-Match` header in; `tenant` out (./schemas).

/** Renames the tenant or changes its settings, at the version the client last read. */
export const makeUpdateTenant =
  (deps: Pick<TenantDeps, 'tenants' | 'now' | 'nudge'>) =>
  async (tenantId: string, expectedVersion: number, patch: TenantPatch): Promise<Tenant> => {
    const current = await loadActiveTenant(deps.tenants, tenantId);
    assertVersion(current, expectedVersion);
    const next = applyTenantPatch(current, patch, deps.now());
    const event = tenantUpdated.create({ subject: tenantId, tenantId, data: { name: next.name, version: next.version }, source: 'tenant-update' });
    if (!(await deps.tenants.replace(next, expectedVersion, [event]))) {
      throw new PreconditionFailedError('The tenant changed while this update was applied; read it again.');
    }
    deps.nudge(tenantId);
    return toTenant(next);
  };

export default defineHttp(
  {
    name: 'tenant-update',
    method: 'PATCH',
    summary: "Rename the caller's tenant or change its settings (admin, If-Match required)",
    tags: ['tenant'],
    auth: 'admin',
    request: { headers: ifMatchHeaders, body: tenantPatch },
    response: { status: 200, schema: tenant, description: 'The updated tenant' },
    errors: [404, 412],
  },
  async ({ headers, body, tenantId }) => {
    const updated = await makeUpdateTenant(await tenantDeps())(tenantId, versionFromEtag(headers['if-match']), body);
    return { body: updated, headers: { etag: etagOf(updated.version) } };
  },
);
