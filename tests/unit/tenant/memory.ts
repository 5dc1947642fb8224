import type { OutboxEntry } from '../../../layers/events/outbox';
import type { ConsumedEvent } from '../../../layers/events/consumer';
import type { LimitedResource } from '../../../layers/plans';
import type { TenantPlanView } from '../../../layers/plans/projection';
import { userOnboardingCompleted } from '../../../functions/auth/events';
import type { TenantDeps } from '../../../functions/tenant/deps';
import type { SlugRegistry, TenantStore } from '../../../functions/tenant/repository';
import type { TenantRecord } from '../../../functions/tenant/rules';

/** The tenant service's ports over Maps, with the same one-write-per-call atomicity as the Mongo stores. */
export const memoryTenantDeps = () => {
  const rows = new Map<string, { tenant: TenantRecord; outbox: OutboxEntry[] }>();
  const slugs = new Map<string, string>();
  const projections = new Map<string, Required<TenantPlanView>>();
  const usage = new Map<string, Record<LimitedResource, number>>();
  const forgotten: string[] = [];
  const nudged: string[] = [];

  const tenants: TenantStore = {
    async get(tenantId) {
      const row = rows.get(tenantId);
      return row && structuredClone(row.tenant);
    },
    async insert(tenant, events) {
      if (rows.has(tenant.id)) return false;
      rows.set(tenant.id, { tenant: structuredClone(tenant), outbox: [...events] });
      return true;
    },
    async replace(tenant, expectedVersion, events) {
      const row = rows.get(tenant.id);
      if (!row || row.tenant.version !== expectedVersion) return false;
      rows.set(tenant.id, { tenant: structuredClone(tenant), outbox: [...row.outbox, ...events] });
      return true;
    },
  };
  const slugRegistry: SlugRegistry = {
    async claim(slug, tenantId) {
      const holder = slugs.get(slug);
      if (holder === undefined) slugs.set(slug, tenantId);
      return (holder ?? tenantId) === tenantId;
    },
    async release(slug, tenantId) {
      if (slugs.get(slug) === tenantId) slugs.delete(slug);
    },
  };
  const deps: TenantDeps = {
    tenants,
    slugs: slugRegistry,
    plans: {
      async write(tenantId, view) {
        const current = projections.get(tenantId);
        if (!current || current.version < view.version) projections.set(tenantId, { ...view });
      },
      forget: (tenantId) => void forgotten.push(tenantId),
    },
    usage: {
      async of(tenantId) {
        return { stores: 0, products: 0, staffSeats: 0, ...usage.get(tenantId) };
      },
      async init(tenantId) {
        usage.set(tenantId, { stores: 0, products: 0, staffSeats: 0, ...usage.get(tenantId) });
      },
    },
    now: () => new Date('2026-11-25T10:00:00.000Z'),
    nudge: (tenantId) => void nudged.push(tenantId),
  };
  return { deps, rows, slugs, projections, usage, forgotten, nudged };
};

export type OnboardingEvent = ConsumedEvent<{
  userId: string;
  email: string;
  name: string;
  tenant: { name: string; slug: string; type: 'SELLER_INDIVIDUAL' | 'SELLER_BUSINESS' | 'MARKETPLACE' | 'FRANCHISE'; plan: 'FREE' | 'PRO' | 'ENTERPRISE' };
}>;

/** An onboarding event as the consumer receives it: created by auth's own definition, data parsed back. */
export const onboardingEvent = (tenantId: string, tenant: Partial<OnboardingEvent['data']['tenant']> = {}, userId = `u-${tenantId}`): OnboardingEvent => {
  const {
    topic: _topic,
    data,
    ...entry
  } = userOnboardingCompleted.create({
    subject: userId,
    tenantId,
    data: {
      userId,
      email: `${userId}@example.com`,
      name: 'Ada Lovelace',
      tenant: { name: 'Analytical Goods', slug: `shop-${tenantId}`.toLowerCase(), type: 'SELLER_BUSINESS', plan: 'FREE', ...tenant },
    },
    source: 'auth-onboarding-complete',
  });
  return { ...entry, data: JSON.parse(data) } as OnboardingEvent;
};
