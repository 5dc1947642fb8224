import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { plan, type LimitedResource } from '../../layers/plans';
import { usageOf } from '../../layers/plans/quota';
import { loadActiveTenant } from './get';
import { tenantStore, type TenantStore } from './repository';
import { usageReport, type UsageReport } from './rules';

const count = z.number().int().min(0);
const limit = z.number().int().positive().nullable().describe('null: unlimited');

// Schemas: nothing in (the caller's own tenant); `usageResponse` out.
export const usageResponse = z.object({
  tenantId: z.string(),
  plan,
  usage: z.object({ stores: count, products: count, staffSeats: count }),
  limits: z.object({ stores: limit, products: limit, staffSeats: limit, requestsPerMinute: z.number().int().positive() }),
});

/** What the tenant uses of each counted resource, beside its plan's limits. */
export const makeTenantUsage =
  (deps: { tenants: Pick<TenantStore, 'get'>; usage: (tenantId: string) => Promise<Record<LimitedResource, number>> }) =>
  async (tenantId: string): Promise<UsageReport> => {
    const found = await loadActiveTenant(deps.tenants, tenantId);
    return usageReport(found, await deps.usage(tenantId));
  };

export default defineHttp(
  {
    name: 'tenant-usage',
    method: 'GET',
    summary: "The caller's tenant usage of stores, products and staff seats, and its plan's limits (admin)",
    tags: ['tenant'],
    auth: 'admin',
    response: { status: 200, schema: usageResponse, description: 'Usage and limits' },
    errors: [404],
  },
  async ({ tenantId }) => ({
    body: await makeTenantUsage({ tenants: await tenantStore(), usage: (id) => usageOf(id) })(tenantId),
    headers: { 'cache-control': 'private, no-cache' },
  }),
);
