import type { Redis } from 'ioredis';
import type { Model } from 'mongoose';
import { redis, serviceDb } from '../../layers/connections';
import { ConflictError } from '../../layers/errors';
import type { OutboxEntry } from '../../layers/events/outbox';
import { cartId, cartModel, couponId, couponModel, toCart, toCoupon, type CartDocument, type CouponDocument } from './model';
import { COUPON_CODES, type Cart } from './rules';
import { coupon as couponSchema, type Coupon } from './schemas';

// ------------------------------------------------------------------ carts (Mongo)

/** The carts port; the caller holds the buyer's cart lock around a read and its write. */
export interface CartStore {
  read(tenantId: string, buyerId: string): Promise<Cart | undefined>;
  /** Writes `next` if the stored cart is still at `expectedVersion` (0: none stored yet); false otherwise. */
  write(next: Cart, expectedVersion: number): Promise<boolean>;
}

const isDuplicateKey = (error: unknown): boolean => (error as { code?: number } | undefined)?.code === 11000;

export const mongoCartStore = (model: Model<CartDocument>): CartStore => ({
  async read(tenantId, buyerId) {
    const doc = await model.findOne({ _id: cartId(tenantId, buyerId), tenantId }).lean<CartDocument>();
    return doc ? toCart(doc) : undefined;
  },
  async write(next, expectedVersion) {
    const _id = cartId(next.tenantId, next.buyerId);
    const fields = {
      buyerId: next.buyerId,
      items: next.items,
      couponCode: next.couponCode,
      version: next.version,
      updatedAt: new Date(next.updatedAt ?? Date.now()),
      appliedOrders: next.appliedOrders,
    };
    if (expectedVersion === 0) {
      try {
        await model.create({ _id, tenantId: next.tenantId, ...fields });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    }
    const result = await model.updateOne({ _id, tenantId: next.tenantId, version: expectedVersion }, { $set: fields });
    return result.matchedCount === 1;
  },
});

export const cartStore = async (): Promise<CartStore> => mongoCartStore(cartModel(await serviceDb('cart')));

// ------------------------------------------------------------------ coupons (Mongo, definitions cached in Redis)

/** The coupon catalogue port: every call is scoped to one tenant. */
export interface CouponCatalog {
  /** Stores a new coupon with its events in one document write; 409 `coupon_exists` when the code is taken in this tenant. */
  insert(coupon: Coupon, events: OutboxEntry[]): Promise<void>;
  find(tenantId: string, code: string): Promise<Coupon | undefined>;
}

/** How long a definition stays in Redis after its last miss; coupons never change, so this bounds memory only. */
const DEFINITION_TTL_SECONDS = 7 * 24 * 3600;

export const definitionKey = (tenantId: string, code: string): string => `mp:coupon:{${tenantId}}:${code}:def`;

/**
 * Definitions are immutable once created, so the Redis copy is never stale: the hot path of a
 * checkout (quote and redeem) reads Redis, and Mongo only on a miss.
 */
export const mongoCouponCatalog = (model: Model<CouponDocument>, client: Pick<Redis, 'get' | 'set'>): CouponCatalog => {
  const remember = (value: Coupon) => client.set(definitionKey(value.tenantId, value.code), JSON.stringify(value), 'EX', DEFINITION_TTL_SECONDS);
  return {
    async insert(value, events) {
      const { validFrom, validUntil, createdAt, ...rest } = value;
      try {
        await model.create({
          ...rest,
          _id: couponId(value.tenantId, value.code),
          validFrom: new Date(validFrom),
          validUntil: new Date(validUntil),
          createdAt: new Date(createdAt),
          outbox: events,
        });
      } catch (error) {
        if (isDuplicateKey(error)) throw new ConflictError(`A coupon ${value.code} exists already.`, COUPON_CODES.exists, { couponCode: value.code });
        throw error;
      }
      await remember(value).catch(() => undefined);
    },
    async find(tenantId, code) {
      const cached = await client.get(definitionKey(tenantId, code));
      if (cached) {
        const parsed = couponSchema.safeParse(JSON.parse(cached));
        if (parsed.success && parsed.data.tenantId === tenantId) return parsed.data;
      }
      const doc = await model.findOne({ _id: couponId(tenantId, code), tenantId }).lean<CouponDocument>();
      if (!doc) return undefined;
      const found = toCoupon(doc);
      await remember(found).catch(() => undefined);
      return found;
    },
  };
};

export const couponCatalog = async (): Promise<CouponCatalog> => mongoCouponCatalog(couponModel(await serviceDb('cart')), await redis());
