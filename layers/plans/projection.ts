import type { Redis } from 'ioredis';
import { loadConfig } from '../config';
import { redis as sharedRedis } from '../connections';
import { plan as planSchema, requestRateOf, type Plan } from './index';

/**
 * What every function needs to know about a tenant's plan, kept in Redis by the tenant service
 * (`mp:tenant:{tenantId}` hash: plan, type, status, version) and read at the edge of each
 * operation. Writes are version-checked, so a stale writer never rolls a plan back. A tenant id
 * no tenant document backs gets `UNPROVISIONED_TENANT_PLAN`.
 */
export interface TenantPlanView {
  plan: Plan;
  type?: string;
  status?: string;
  version: number;
}

export const tenantPlanKey = (tenantId: string): string => `mp:tenant:{${tenantId}}`;

const SET_IF_NEWER = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if tonumber(ARGV[4]) <= current then return 0 end
redis.call('HSET', KEYS[1], 'plan', ARGV[1], 'type', ARGV[2], 'status', ARGV[3], 'version', ARGV[4])
return 1
`;

export const writeTenantPlan = async (tenantId: string, view: Required<TenantPlanView>, client?: Redis): Promise<boolean> => {
  const r = client ?? (await sharedRedis());
  const applied = await r.eval(SET_IF_NEWER, 1, tenantPlanKey(tenantId), view.plan, view.type, view.status, String(view.version));
  return applied === 1;
};

const CACHE_MS = 5_000;
const cache = new Map<string, { view: TenantPlanView; until: number }>();

/** The tenant's plan, remembered for a few seconds per warm instance (a plan change reaches every edge within that). */
export const tenantPlan = async (tenantId: string, client?: Redis, nowMs = Date.now()): Promise<TenantPlanView> => {
  const hit = cache.get(tenantId);
  if (hit && hit.until > nowMs) return hit.view;
  const r = client ?? (await sharedRedis());
  const stored = await r.hgetall(tenantPlanKey(tenantId));
  const parsed = planSchema.safeParse(stored.plan);
  const view: TenantPlanView = parsed.success
    ? {
        plan: parsed.data,
        version: Number(stored.version ?? 0),
        ...(stored.type ? { type: stored.type } : {}),
        ...(stored.status ? { status: stored.status } : {}),
      }
    : { plan: loadConfig().UNPROVISIONED_TENANT_PLAN, version: 0 };
  cache.set(tenantId, { view, until: nowMs + CACHE_MS });
  if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
  return view;
};

/** For tests and for the tenant service right after it changed a plan. */
export const forgetTenantPlan = (tenantId?: string): void => {
  if (tenantId === undefined) cache.clear();
  else cache.delete(tenantId);
};

/** The token bucket of a tenant's plan, for the tenant scope of the rate limiter (one cached lookup). */
export const tenantRequestRate = async (tenantId: string): Promise<{ capacity: number; refillPerSecond: number }> =>
  requestRateOf((await tenantPlan(tenantId)).plan);
