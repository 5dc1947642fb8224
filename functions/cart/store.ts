import type { Redis } from 'ioredis';
import { redis } from '../../layers/connections';
import { makeDocumentLock, type DocumentLock } from '../../layers/locks';
import type { CartView } from './schemas';

/**
 * The cart service's Redis parts: coupon usage counters, the priced-cart cache and the cart lock.
 * Every key carries the tenant as its hash tag (`{tenantId}`), so one Lua script's keys share a slot.
 */

// ------------------------------------------------------------------ coupon usage counters

export interface Redemption {
  code: string;
  customerId: string;
  discount: number;
  state: 'redeemed' | 'released';
}

export type RedeemOutcome =
  | { outcome: 'redeemed' | 'existing'; code: string; discount: number }
  | { outcome: 'exhausted' | 'customer_limit' }
  | { outcome: 'order_conflict'; code: string };

export interface RedemptionCounters {
  /**
   * In one atomic step: returns the order's redemption if it has one, else refuses when the coupon
   * or this customer reached its limit (null: no limit), else counts one use for both and records
   * the order's redemption.
   */
  redeem(input: {
    tenantId: string;
    code: string;
    customerId: string;
    orderId: string;
    discount: number;
    usageLimit: number | null;
    perCustomerLimit: number | null;
  }): Promise<RedeemOutcome>;
  usage(tenantId: string, code: string, customerId: string): Promise<{ used: number; byCustomer: number }>;
  redemptionOf(tenantId: string, orderId: string): Promise<Redemption | undefined>;
  /** Gives the order's redemption of `code` back, once; false when there was none to give back. */
  release(tenantId: string, orderId: string, code: string): Promise<boolean>;
}

const usedKey = (tenantId: string, code: string) => `mp:coupon:{${tenantId}}:${code}:used`;
const customersKey = (tenantId: string, code: string) => `mp:coupon:{${tenantId}}:${code}:customers`;
const orderKey = (tenantId: string, orderId: string) => `mp:coupon:{${tenantId}}:order:${orderId}`;

/** A redemption record outlives any order that could still be cancelled. */
const REDEMPTION_TTL_SECONDS = 400 * 24 * 3600;

const REDEEM = `
local rec = redis.call('HMGET', KEYS[3], 'state', 'code', 'discount')
if rec[1] == 'redeemed' then
  if rec[2] ~= ARGV[4] then return {'order_conflict', rec[2], '0'} end
  return {'existing', rec[2], rec[3]}
end
local limit = tonumber(ARGV[2])
if limit > 0 and tonumber(redis.call('GET', KEYS[1]) or '0') >= limit then return {'exhausted', '', '0'} end
local perCustomer = tonumber(ARGV[3])
if perCustomer > 0 and tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') >= perCustomer then return {'customer_limit', '', '0'} end
redis.call('INCR', KEYS[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[3], 'state', 'redeemed', 'code', ARGV[4], 'customerId', ARGV[1], 'discount', ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[6])
return {'redeemed', ARGV[4], ARGV[5]}`;

const RELEASE = `
local rec = redis.call('HMGET', KEYS[3], 'state', 'code', 'customerId')
if rec[1] ~= 'redeemed' or rec[2] ~= ARGV[1] then return 0 end
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
if tonumber(redis.call('HGET', KEYS[2], rec[3]) or '0') > 0 then redis.call('HINCRBY', KEYS[2], rec[3], -1) end
redis.call('HSET', KEYS[3], 'state', 'released')
return 1`;

type CounterClient = Pick<Redis, 'eval' | 'get' | 'hget' | 'hgetall'>;

export const redisRedemptionCounters = (client: CounterClient): RedemptionCounters => ({
  async redeem({ tenantId, code, customerId, orderId, discount, usageLimit, perCustomerLimit }) {
    const keys = [usedKey(tenantId, code), customersKey(tenantId, code), orderKey(tenantId, orderId)];
    const [outcome, storedCode, storedDiscount] = (await client.eval(
      REDEEM,
      3,
      ...keys,
      customerId,
      String(usageLimit ?? 0),
      String(perCustomerLimit ?? 0),
      code,
      String(discount),
      String(REDEMPTION_TTL_SECONDS),
    )) as [string, string, string];
    if (outcome === 'redeemed' || outcome === 'existing') return { outcome, code: storedCode, discount: Number(storedDiscount) };
    if (outcome === 'order_conflict') return { outcome, code: storedCode };
    return { outcome: outcome as 'exhausted' | 'customer_limit' };
  },
  async usage(tenantId, code, customerId) {
    const [used, byCustomer] = await Promise.all([client.get(usedKey(tenantId, code)), client.hget(customersKey(tenantId, code), customerId)]);
    return { used: Number(used ?? 0), byCustomer: Number(byCustomer ?? 0) };
  },
  async redemptionOf(tenantId, orderId) {
    const rec = await client.hgetall(orderKey(tenantId, orderId));
    if (!rec.state || !rec.code || !rec.customerId) return undefined;
    return { code: rec.code, customerId: rec.customerId, discount: Number(rec.discount ?? 0), state: rec.state === 'redeemed' ? 'redeemed' : 'released' };
  },
  async release(tenantId, orderId, code) {
    const rec = await client.hget(orderKey(tenantId, orderId), 'customerId');
    if (!rec) return false;
    const keys = [usedKey(tenantId, code), customersKey(tenantId, code), orderKey(tenantId, orderId)];
    return (await client.eval(RELEASE, 3, ...keys, code)) === 1;
  },
});

export const redemptionCounters = async (): Promise<RedemptionCounters> => redisRedemptionCounters(await redis());

// ------------------------------------------------------------------ priced-cart cache

export interface CachedCart {
  view: CartView;
  /** When it was priced, ms since the epoch. */
  pricedAt: number;
}

export interface CartCache {
  read(tenantId: string, buyerId: string): Promise<CachedCart | undefined>;
  /**
   * Writes the view unless the cache holds a newer one: a higher cart version, or the same version
   * priced later. A stale version never overwrites a newer one. True when written.
   */
  write(tenantId: string, view: CartView, pricedAt: number): Promise<boolean>;
  drop(tenantId: string, buyerId: string): Promise<void>;
}

export const cartCacheKey = (tenantId: string, buyerId: string): string => `mp:cart:{${tenantId}}:${buyerId}`;

/** How long an entry lives unread; freshness of its prices is the reader's decision (cart-get). */
const CACHE_TTL_MS = 24 * 3600 * 1000;

const CACHE_WRITE = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'p')
if cur[1] then
  local v = tonumber(cur[1])
  local nv = tonumber(ARGV[1])
  if v > nv or (v == nv and tonumber(cur[2] or '0') >= tonumber(ARGV[2])) then return 0 end
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'p', ARGV[2], 'json', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

export const redisCartCache = (client: Pick<Redis, 'eval' | 'hmget' | 'del'>): CartCache => ({
  async read(tenantId, buyerId) {
    const [pricedAt, json] = await client.hmget(cartCacheKey(tenantId, buyerId), 'p', 'json');
    if (!pricedAt || !json) return undefined;
    return { view: JSON.parse(json) as CartView, pricedAt: Number(pricedAt) };
  },
  async write(tenantId, view, pricedAt) {
    const written = await client.eval(
      CACHE_WRITE,
      1,
      cartCacheKey(tenantId, view.buyerId),
      String(view.version),
      String(pricedAt),
      JSON.stringify(view),
      String(CACHE_TTL_MS),
    );
    return written === 1;
  },
  async drop(tenantId, buyerId) {
    await client.del(cartCacheKey(tenantId, buyerId));
  },
});

export const cartCache = async (): Promise<CartCache> => redisCartCache(await redis());

// ------------------------------------------------------------------ the cart lock

/**
 * One mutation of a buyer's cart at a time, on every database: a Redis lease with a TTL (a holder
 * that dies frees it when the TTL runs out), released only by its holder (token-checked). The
 * conditional write on the cart's version still guards a holder that outlived its lease.
 */
export const CART_LOCK_SCOPE = 'carts';

export const cartLock: DocumentLock = makeDocumentLock({ needed: async () => true, redis }, { ttlMs: 5_000, waitMs: 5_000, retryMs: 5 });
