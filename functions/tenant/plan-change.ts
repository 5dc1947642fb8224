import { PreconditionFailedError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import type { Plan } from '../../layers/plans';
import { tenantDeps, type TenantDeps } from './deps';
import { planChanged } from './events';
import { loadActiveTenant } from './get';
import { assertVersion, changePlan, etagOf, toTenant, versionFromEtag, type TenantRecord } from './rules';
import { optionalIfMatchHeaders, planChangeInput, tenant, type Tenant } from './schemas';

// Schemas: `planChangeInput` body and an optional `If-Match` header in; `tenant` out (./schemas).

/**
 * Moves the tenant to another plan when what it has fits the new plan's limits (409 naming each
 * limit otherwise), then projects the plan to Redis so every function's edge applies it within
 * the projection cache's few seconds (this instance at once). Asking for the current plan
 * changes nothing and re-projects it, which also repairs a projection a crash left behind.
 */
export const makeChangePlan =
  (deps: Pick<TenantDeps, 'tenants' | 'plans' | 'usage' | 'now' | 'nudge'>) =>
  async (tenantId: string, to: Plan, expectedVersion?: number): Promise<Tenant> => {
    const current = await loadActiveTenant(deps.tenants, tenantId);
    if (expectedVersion !== undefined) assertVersion(current, expectedVersion);
    const change = changePlan(current, to, await deps.usage.of(tenantId), deps.now());
    const result: TenantRecord = change.kind === 'unchanged' ? change.tenant : change.next;
    if (change.kind === 'changed') {
      const event = planChanged.create({
        subject: tenantId,
        tenantId,
        data: { from: change.from, to, version: result.version },
        source: 'tenant-plan-change',
      });
      if (!(await deps.tenants.replace(result, current.version, [event]))) {
        throw new PreconditionFailedError('The tenant changed while its plan was being changed; read it again.');
      }
      deps.nudge(tenantId);
    }
    await deps.plans.write(tenantId, { plan: result.plan, type: result.type, status: result.status, version: result.version });
    deps.plans.forget(tenantId);
    return toTenant(result);
  };

export default defineHttp(
  {
    name: 'tenant-plan-change',
    method: 'POST',
    summary: "Move the caller's tenant to another plan (owner only)",
    description: 'A downgrade that current usage does not fit in is refused with 409 `plan_limits_exceeded`, naming each limit in `limits`.',
    tags: ['tenant'],
    auth: 'owner',
    request: { headers: optionalIfMatchHeaders, body: planChangeInput },
    response: { status: 200, schema: tenant, description: 'The tenant on its new plan' },
    errors: [404, 409, 412],
  },
  async ({ headers, body, tenantId }) => {
    const ifMatch = headers['if-match'];
    const changed = await makeChangePlan(await tenantDeps())(tenantId, body.plan, ifMatch === undefined ? undefined : versionFromEtag(ifMatch));
    return { body: changed, headers: { etag: etagOf(changed.version) } };
  },
);
