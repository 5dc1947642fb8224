import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { Cart } from './rules';
import type { Coupon } from './schemas';

/**
 * The cart service's database (`cart`): carts and coupons. Both are found by `_id` alone, which
 * FerretDB serves from its primary key: `<tenantId>:<buyerId>` and `<tenantId>:<CODE>`.
 */
export const cartId = (tenantId: string, buyerId: string): string => `${tenantId}:${buyerId}`;
export const couponId = (tenantId: string, code: string): string => `${tenantId}:${code}`;

export interface CartDocument {
  _id: string;
  tenantId: string;
  buyerId: string;
  items: { productId: string; sku: string; quantity: number }[];
  couponCode: string | null;
  version: number;
  updatedAt: Date;
  appliedOrders: string[];
}

/** Coupons never change once created; the outbox carries `cart.coupon.created`. */
export interface CouponDocument extends Omit<Coupon, 'validFrom' | 'validUntil' | 'createdAt'> {
  _id: string;
  validFrom: Date;
  validUntil: Date;
  createdAt: Date;
  outbox: OutboxEntry[];
}

let cartSchema: Schema<CartDocument> | undefined;
let couponSchema: Schema<CouponDocument> | undefined;

const buildCartSchema = (): Schema<CartDocument> => {
  const { Schema } = mongooseLib();
  const line = new Schema(
    { productId: { type: String, required: true }, sku: { type: String, required: true }, quantity: { type: Number, required: true } },
    { _id: false },
  );
  const schema = new Schema<CartDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      buyerId: { type: String, required: true },
      items: { type: [line], default: [] },
      couponCode: { type: String, default: null },
      version: { type: Number, required: true },
      updatedAt: { type: Date, required: true },
      appliedOrders: { type: [String], default: [] },
    },
    { collection: 'carts', versionKey: false, minimize: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

const buildCouponSchema = (): Schema<CouponDocument> => {
  const { Schema } = mongooseLib();
  const schema = new Schema<CouponDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      code: { type: String, required: true },
      kind: { type: String, required: true },
      value: { type: Number, required: true },
      currency: { type: String, default: null },
      minimumSpend: { type: Number, required: true },
      validFrom: { type: Date, required: true },
      validUntil: { type: Date, required: true },
      usageLimit: { type: Number, default: null },
      perCustomerLimit: { type: Number, default: null },
      createdAt: { type: Date, required: true },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'coupons', versionKey: false, minimize: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

export const cartModel = (db: Connection): Model<CartDocument> =>
  (db.models.Cart as Model<CartDocument> | undefined) ?? db.model<CartDocument>('Cart', (cartSchema ??= buildCartSchema()));

export const couponModel = (db: Connection): Model<CouponDocument> =>
  (db.models.Coupon as Model<CouponDocument> | undefined) ?? db.model<CouponDocument>('Coupon', (couponSchema ??= buildCouponSchema()));

export const toCart = (doc: CartDocument): Cart => ({
  tenantId: doc.tenantId,
  buyerId: doc.buyerId,
  items: doc.items.map((line) => ({ productId: line.productId, sku: line.sku, quantity: line.quantity })),
  couponCode: doc.couponCode ?? null,
  version: doc.version,
  updatedAt: new Date(doc.updatedAt).toISOString(),
  appliedOrders: [...(doc.appliedOrders ?? [])],
});

export const toCoupon = (doc: CouponDocument): Coupon => ({
  code: doc.code,
  tenantId: doc.tenantId,
  kind: doc.kind,
  value: doc.value,
  currency: doc.currency ?? null,
  minimumSpend: doc.minimumSpend,
  validFrom: new Date(doc.validFrom).toISOString(),
  validUntil: new Date(doc.validUntil).toISOString(),
  usageLimit: doc.usageLimit ?? null,
  perCustomerLimit: doc.perCustomerLimit ?? null,
  createdAt: new Date(doc.createdAt).toISOString(),
});
