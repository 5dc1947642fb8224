import { ConflictError, PreconditionFailedError } from '../../layers/errors';
import { limitsExceeded, PLAN_LIMITS, type LimitedResource, type Plan, type PlanLimits } from '../../layers/plans';
import type { Tenant, TenantPatch, TenantSettings, TenantType } from './schemas';

/** Pure tenant rules: no I/O, the clock passed in. */

/** A tenant as stored: the API shape, plus why provisioning failed when it did. */
export interface TenantRecord extends Tenant {
  failure?: { code: string; reason: string };
}

/** What the onboarding event asks for. */
export interface ProvisionRequest {
  tenantId: string;
  ownerUserId: string;
  ownerEmail: string;
  ownerName: string;
  name: string;
  slug: string;
  type: TenantType;
  plan: Plan;
}

export interface Refusal {
  code: string;
  reason: string;
}

/** Slugs that name platform hosts and paths (`<slug>.marketplace.dev`, `/t/<slug>`): never a tenant's. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'assets',
  'auth',
  'billing',
  'cdn',
  'dashboard',
  'docs',
  'help',
  'login',
  'mail',
  'marketplace',
  'platform',
  'signup',
  'static',
  'status',
  'support',
  'system',
  'www',
]);

export const slugTaken = (slug: string): Refusal => ({ code: 'slug_taken', reason: `The slug ${slug} belongs to another tenant.` });

export type ProvisioningDecision = { kind: 'provision'; tenant: TenantRecord } | { kind: 'refuse'; refusal: Refusal };

/** Whether a tenant can be made of the request, and the tenant if so; the slug's availability is checked after, by claiming it. */
export const decideProvisioning = (request: ProvisionRequest, now: Date): ProvisioningDecision => {
  if (RESERVED_SLUGS.has(request.slug)) {
    return { kind: 'refuse', refusal: { code: 'slug_reserved', reason: `The slug ${request.slug} is reserved by the platform.` } };
  }
  const at = now.toISOString();
  return {
    kind: 'provision',
    tenant: {
      id: request.tenantId,
      name: request.name,
      slug: request.slug,
      type: request.type,
      plan: request.plan,
      status: 'active',
      ownerUserId: request.ownerUserId,
      settings: {},
      version: 1,
      createdAt: at,
      updatedAt: at,
    },
  };
};

/** The durable record of a provisioning that could not succeed. */
export const failedTenant = (request: ProvisionRequest, refusal: Refusal, now: Date): TenantRecord => {
  const at = now.toISOString();
  return {
    id: request.tenantId,
    name: request.name,
    slug: request.slug,
    type: request.type,
    plan: request.plan,
    status: 'failed',
    ownerUserId: request.ownerUserId,
    settings: {},
    failure: refusal,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

/**
 * What a redelivered (or concurrently delivered) onboarding event finds: its own tenant, done
 * or failed, or a tenant of someone else under the same id, which auth's reservation of ids
 * rules out and which therefore is an error, not a refusal.
 */
export const existingOutcome = (existing: TenantRecord, request: ProvisionRequest): 'provisioned' | 'failed' | 'foreign' => {
  if (existing.ownerUserId !== request.ownerUserId) return 'foreign';
  return existing.status === 'failed' ? 'failed' : 'provisioned';
};

export const applyTenantPatch = (current: TenantRecord, patch: TenantPatch, now: Date): TenantRecord => {
  const settings: TenantSettings = { ...current.settings };
  for (const [key, value] of Object.entries(patch.settings ?? {}) as [keyof TenantSettings, string | null | undefined][]) {
    if (value === null) delete settings[key];
    else if (value !== undefined) settings[key] = value;
  }
  return { ...current, name: patch.name ?? current.name, settings, version: current.version + 1, updatedAt: now.toISOString() };
};

export type PlanChange = { kind: 'unchanged'; tenant: TenantRecord } | { kind: 'changed'; from: Plan; next: TenantRecord };

/**
 * Moves a tenant to another plan. A plan whose limits what the tenant has now does not fit in
 * (a downgrade with too many stores, products or staff) is refused, naming each limit.
 */
export const changePlan = (current: TenantRecord, to: Plan, usage: Readonly<Record<LimitedResource, number>>, now: Date): PlanChange => {
  if (current.plan === to) return { kind: 'unchanged', tenant: current };
  const exceeded = limitsExceeded(to, usage);
  if (exceeded.length > 0) {
    const named = exceeded.map((limit) => `${limit.used} ${limit.resource} (the ${to} plan allows ${limit.max})`).join(', ');
    throw new ConflictError(`The tenant cannot move to ${to}: it has ${named}.`, 'plan_limits_exceeded', { plan: to, limits: exceeded });
  }
  return { kind: 'changed', from: current.plan, next: { ...current, plan: to, version: current.version + 1, updatedAt: now.toISOString() } };
};

export interface UsageReport {
  tenantId: string;
  plan: Plan;
  usage: Record<LimitedResource, number>;
  limits: PlanLimits;
}

export const usageReport = (tenant: Pick<TenantRecord, 'id' | 'plan'>, usage: Record<LimitedResource, number>): UsageReport => ({
  tenantId: tenant.id,
  plan: tenant.plan,
  usage: { stores: usage.stores, products: usage.products, staffSeats: usage.staffSeats },
  limits: { ...PLAN_LIMITS[tenant.plan] },
});

/** The API view: what is stored, without the failure (failed tenants are not served). */
export const toTenant = ({ failure: _failure, ...tenant }: TenantRecord): Tenant => tenant;

/** Parses `If-Match: "3"` / `W/"3"` to 3. */
export { etagOf, versionFromEtag } from '../../layers/http/versioning';

export const assertVersion = (current: TenantRecord, expected: number): void => {
  if (current.version !== expected) {
    throw new PreconditionFailedError(`The tenant is at version ${current.version}, not ${expected}.`, { currentVersion: current.version });
  }
};
