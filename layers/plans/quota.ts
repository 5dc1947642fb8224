import type { Redis } from 'ioredis';
import { redis as sharedRedis } from '../connections';
import { PlanLimitError } from '../errors';
import { metrics } from '../metrics';
import { LIMITED_RESOURCES, limitOf, type LimitedResource } from './index';
import { tenantPlan } from './projection';

/**
 * Usage counters per tenant (`mp:usage:{tenantId}` hash, one field per limited resource),
 * checked against the plan and incremented in one Lua call, so concurrent creates on many
 * instances never pass a limit together. A create reserves before it writes and releases when
 * the write fails; a delete releases. A crash between reserve and write leaves the counter one
 * high: the safe side, which `setUsage` (a recount from the owning service) corrects.
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
local left = math.max(0, used - tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], ARGV[1], left)
return left
`;

export interface QuotaOptions {
  amount?: number;
  client?: Redis;
}

const amountOf = (options: QuotaOptions): number => {
  const amount = options.amount ?? 1;
  if (!Number.isInteger(amount) || amount < 1) throw new TypeError('quota: amount must be a positive integer.');
  return amount;
};

/** Takes `amount` (default 1) of the tenant's allowance and answers the new count, or throws `PlanLimitError` naming the limit. */
export const reserveQuota = async (tenantId: string, resource: LimitedResource, options: QuotaOptions = {}): Promise<number> => {
  const amount = amountOf(options);
  const r = options.client ?? (await sharedRedis());
  const { plan } = await tenantPlan(tenantId, r);
  const limit = limitOf(plan, resource);
  const used = Number(await r.eval(RESERVE, 1, usageKey(tenantId), resource, String(limit ?? -1), String(amount)));
  if (used < 0) {
    metrics.planLimitHits.inc({ plan, resource });
    throw new PlanLimitError(resource, limit as number, plan);
  }
  return used;
};

/** Gives `amount` (default 1) back and answers the new count; never below zero. */
export const releaseQuota = async (tenantId: string, resource: LimitedResource, options: QuotaOptions = {}): Promise<number> => {
  const amount = amountOf(options);
  const r = options.client ?? (await sharedRedis());
  return Number(await r.eval(RELEASE, 1, usageKey(tenantId), resource, String(amount)));
};

export const usageOf = async (tenantId: string, client?: Redis): Promise<Record<LimitedResource, number>> => {
  const r = client ?? (await sharedRedis());
  const stored = await r.hgetall(usageKey(tenantId));
  return { stores: Number(stored.stores ?? 0), products: Number(stored.products ?? 0), staffSeats: Number(stored.staffSeats ?? 0) };
};

const checkCounts = (usage: Partial<Record<LimitedResource, number>>): [LimitedResource, number][] => {
  const entries = Object.entries(usage) as [LimitedResource, number][];
  for (const [resource, value] of entries) {
    if (!LIMITED_RESOURCES.includes(resource)) throw new TypeError(`quota: ${resource} is not a limited resource.`);
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`quota: the count of ${resource} must be a non-negative integer.`);
  }
  return entries;
};

/** Overwrites the counters with a recount from the owning stores. */
export const setUsage = async (tenantId: string, usage: Partial<Record<LimitedResource, number>>, client?: Redis): Promise<void> => {
  const fields = checkCounts(usage).flatMap(([field, value]) => [field, String(value)]);
  if (fields.length === 0) return;
  const r = client ?? (await sharedRedis());
  await r.hset(usageKey(tenantId), ...fields);
};

/**
 * Starts the counters of a new tenant, leaving any that exist as they are (HSETNX), so a
 * redelivered provisioning event never resets what the tenant has counted since.
 */
export const initUsage = async (tenantId: string, usage: Partial<Record<LimitedResource, number>> = {}, client?: Redis): Promise<void> => {
  const counts = checkCounts({ stores: 0, products: 0, staffSeats: 0, ...usage });
  const r = client ?? (await sharedRedis());
  const key = usageKey(tenantId);
  const replies = await r.multi(counts.map(([field, value]) => ['hsetnx', key, field, String(value)])).exec();
  const failed = replies?.find(([error]) => error);
  if (failed) throw failed[0];
};

/** The quota port operations depend on (tests pass an in-memory one). */
export interface Quota {
  reserve(tenantId: string, resource: LimitedResource): Promise<number>;
  release(tenantId: string, resource: LimitedResource): Promise<number>;
}

export const redisQuota: Quota = {
  reserve: (tenantId, resource) => reserveQuota(tenantId, resource),
  release: (tenantId, resource) => releaseQuota(tenantId, resource),
};
