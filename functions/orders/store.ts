import type { Redis } from 'ioredis';
import { redis } from '../../layers/connections';
import type { OrderViewChange, StoredOrderView } from './projection';
import type { OrderSummary } from './schemas';

/**
 * The order read model in Redis: per order a hash (`json`, `rev`); per buyer and per tenant
 * (the seller's view) a sorted set of order ids, all scores 0 so the set sorts by id, and order
 * ids are UUIDv7: lexicographic order is creation order. Every key of a tenant shares the hash
 * tag `{tenantId}`, so one script writes a view and both indexes atomically (and on one slot).
 */
export type OrderIndex = { kind: 'buyer'; buyerId: string } | { kind: 'seller' };

export interface OrderViewStore {
  read(tenantId: string, orderId: string): Promise<StoredOrderView | undefined>;
  /** Applies `change` atomically (compare-and-set on `rev`); true when the view changed, false when the change was stale. */
  update(tenantId: string, orderId: string, change: OrderViewChange): Promise<boolean>;
  /** Up to `limit` summaries of the index, newest first, after the order id `after` (exclusive). */
  page(tenantId: string, index: OrderIndex, after: string | undefined, limit: number): Promise<OrderSummary[]>;
}

export const viewKey = (tenantId: string, orderId: string): string => `mp:ov:{${tenantId}}:${orderId}`;
export const indexKey = (tenantId: string, index: OrderIndex): string =>
  index.kind === 'buyer' ? `mp:ob:{${tenantId}}:${index.buyerId}` : `mp:ot:{${tenantId}}`;

/** KEYS: view, buyer index, tenant index. ARGV: expected rev, json, new rev, order id. */
const CAS_SCRIPT = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if (rev or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'rev', ARGV[3])
redis.call('ZADD', KEYS[2], 0, ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[4])
return 1`;

type CasRedis = Redis & {
  orderViewCas(view: string, buyer: string, tenant: string, expectedRev: string, json: string, rev: string, id: string): Promise<number>;
};

export const redisOrderViewStore = (client: Redis, maxAttempts = 20): OrderViewStore => {
  if (!('orderViewCas' in client)) client.defineCommand('orderViewCas', { numberOfKeys: 3, lua: CAS_SCRIPT });
  const cas = client as CasRedis;
  const read = async (tenantId: string, orderId: string): Promise<StoredOrderView | undefined> => {
    const json = await client.hget(viewKey(tenantId, orderId), 'json');
    return json ? (JSON.parse(json) as StoredOrderView) : undefined;
  };
  return {
    read,
    async update(tenantId, orderId, change) {
      const key = viewKey(tenantId, orderId);
      for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
        const current = await read(tenantId, orderId);
        const next = change(current);
        if (!next) return false;
        const indexes = [indexKey(tenantId, { kind: 'buyer', buyerId: next.order.buyerId }), indexKey(tenantId, { kind: 'seller' })] as const;
        const written = await cas.orderViewCas(key, ...indexes, String(current?.rev ?? 0), JSON.stringify(next), String(next.rev), orderId);
        if (written === 1) return true;
      }
      throw new Error(`order read model ${key}: too much contention`);
    },
    async page(tenantId, index, after, limit) {
      // Newest first: REV from the highest id, or from just below the cursor.
      const ids = await client.zrange(indexKey(tenantId, index), after ? `(${after}` : '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, limit);
      if (ids.length === 0) return [];
      const jsons = await client.pipeline(ids.map((id) => ['hget', viewKey(tenantId, id), 'json'])).exec();
      return (jsons ?? []).flatMap(([error, json]) => {
        if (error) throw error;
        return typeof json === 'string' ? [(JSON.parse(json) as StoredOrderView).order] : [];
      });
    },
  };
};

export const orderViewStore = async (): Promise<OrderViewStore> => redisOrderViewStore(await redis());
