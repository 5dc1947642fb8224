import type { Redis } from 'ioredis';
import { redis as sharedRedis } from '../connections';
import { PlanLimitError } from '../errors';
import { limitOf, type LimitedResource } from './index';
import { tenantPlan } from './projection';

/**
 * Usage counters per tenant (`mp:usage:{tenantId}` hash, one field per limited resource),
 * checked against the plan and incremented in one Lua call, so concurrent creates on many
 * instances never pass a limit together. A create reserves before it writes and releases when
 * the write fails; a delete releases. A crash between reserve and write leaves the counter one
 * high: the safe side, which `setUsage` (the tenant service's recount) corrects.
 */
export const usageKey = (tenantId: string): string => `mp:usage:{${tenantId}}`;

const RESERVE = `
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local limit = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
if limit >= 0 and used + amount > limit then return -1 end
return redis.call('HINCRBY', KEYS[1], ARGV[1], amount)
`;

const RELEASE = `
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local next = math.max(0, used - tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], ARGV[1], next)
return next
`;

export interface QuotaOptions {
  amount?: number;
  client?: Redis;
}

/** Takes `amount` (default 1) of the tenant's allowance, or throws `PlanLimitError` naming the limit. */
export const reserveQuota = async (tenantId: string, resource: LimitedResource, options: QuotaOptions = {}): Promise<number> => {
  const r = options.client ?? (await sharedRedis());
  const { plan } = await tenantPlan(tenantId, r);
  const limit = limitOf(plan, resource);
  const used = Number(await r.eval(RESERVE, 1, usageKey(tenantId), resource, String(limit ?? -1), String(options.amount ?? 1)));
  if (used < 0) throw new PlanLimitError(resource, limit as number, plan);
  return used;
};

export const releaseQuota = async (tenantId: string, resource: LimitedResource, options: QuotaOptions = {}): Promise<number> => {
  const r = options.client ?? (await sharedRedis());
  return Number(await r.eval(RELEASE, 1, usageKey(tenantId), resource, String(options.amount ?? 1)));
};

export const usageOf = async (tenantId: string, client?: Redis): Promise<Record<LimitedResource, number>> => {
  const r = client ?? (await sharedRedis());
  const stored = await r.hgetall(usageKey(tenantId));
  return { stores: Number(stored.stores ?? 0), products: Number(stored.products ?? 0), staffSeats: Number(stored.staffSeats ?? 0) };
};

/** Overwrites the counters with a recount from the owning stores. */
export const setUsage = async (tenantId: string, usage: Partial<Record<LimitedResource, number>>, client?: Redis): Promise<void> => {
  const r = client ?? (await sharedRedis());
  const fields = Object.entries(usage).flatMap(([field, value]) => [field, String(value)]);
  if (fields.length) await r.hset(usageKey(tenantId), ...fields);
};
