import { nudgeOutbox } from '../../layers/events/outbox';
import type { LimitedResource } from '../../layers/plans';
import { forgetTenantPlan, writeTenantPlan, type TenantPlanView } from '../../layers/plans/projection';
import { initUsage, usageOf } from '../../layers/plans/quota';
import { tenantProvisioned } from './events';
import { slugRegistry, tenantStore, type SlugRegistry, type TenantStore } from './repository';

/** What tenant operations need from the outside world; handlers wire the real ones. */
export interface TenantDeps {
  tenants: TenantStore;
  slugs: SlugRegistry;
  /** The Redis projection every function's edge reads the tenant's plan from (layers/plans). */
  plans: {
    /** Version-checked: a stale write changes nothing. */
    write(tenantId: string, view: Required<TenantPlanView>): Promise<void>;
    /** Drops this instance's cached copy, so its own next request sees the write. */
    forget(tenantId: string): void;
  };
  usage: {
    of(tenantId: string): Promise<Record<LimitedResource, number>>;
    /** Starts the counters of a new tenant where none exist. */
    init(tenantId: string): Promise<void>;
  };
  now: () => Date;
  /** Wakes the outbox relay to drain the tenant just written; best effort, the relay also sweeps. */
  nudge: (tenantId: string) => void;
}

export const tenantDeps = async (): Promise<TenantDeps> => ({
  tenants: await tenantStore(),
  slugs: await slugRegistry(),
  plans: {
    write: async (tenantId, view) => void (await writeTenantPlan(tenantId, view)),
    forget: forgetTenantPlan,
  },
  usage: { of: (tenantId) => usageOf(tenantId), init: (tenantId) => initUsage(tenantId) },
  now: () => new Date(),
  nudge: (tenantId) => nudgeOutbox({ ...tenantProvisioned.aggregate, id: tenantId }),
});
