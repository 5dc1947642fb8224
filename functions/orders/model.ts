import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { Order } from './schemas';

/** The stored order: `_id` is the order id (UUIDv7); the outbox travels in the same document. */
export interface OrderDocument extends Omit<Order, 'id' | 'createdAt' | 'updatedAt'> {
  _id: string;
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

/** Built on first use, so a request that never touches Mongo never loads mongoose. */
const buildOrderSchema = (): Schema<OrderDocument> => {
  const { Schema } = mongooseLib();
  const line = new Schema(
    {
      productId: { type: String, required: true },
      sku: { type: String, required: true },
      name: { type: String, required: true },
      quantity: { type: Number, required: true },
      unitPrice: { type: Number, required: true },
      lineTotal: { type: Number, required: true },
    },
    { _id: false },
  );
  const checkout = new Schema(
    {
      provider: { type: String, required: true },
      method: { type: String, required: false },
      email: { type: String, required: true },
      total: { type: Number, required: true },
      currency: { type: String, required: true },
    },
    { _id: false },
  );
  const coupon = new Schema({ code: { type: String, required: true }, discount: { type: Number, required: true } }, { _id: false });
  const reservation = new Schema({ expiresAt: { type: String, required: true } }, { _id: false });
  const cancellation = new Schema(
    { reason: { type: String, required: true }, from: { type: String, required: true }, at: { type: String, required: true } },
    { _id: false },
  );

  const orderSchema = new Schema<OrderDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      buyerId: { type: String, required: true },
      storeId: { type: String, default: null },
      state: { type: String, required: true },
      version: { type: Number, required: true },
      lines: { type: [line], required: true },
      currency: { type: String, required: true },
      subtotal: { type: Number, required: true },
      discount: { type: Number, required: true },
      total: { type: Number, required: true },
      coupon: { type: coupon, default: null },
      email: { type: String, required: true },
      checkout: { type: checkout, required: true },
      paymentId: { type: String, default: null },
      reservation: { type: reservation, default: null },
      cancellation: { type: cancellation, default: null },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'orders', versionKey: false, minimize: false, strict: 'throw' },
  );
  orderSchema.plugin(tenantScopePlugin);
  return orderSchema;
};

let orderSchema: Schema<OrderDocument> | undefined;

export const orderModel = (db: Connection): Model<OrderDocument> =>
  (db.models.Order as Model<OrderDocument> | undefined) ?? db.model<OrderDocument>('Order', (orderSchema ??= buildOrderSchema()));

export const toOrder = (doc: OrderDocument): Order => ({
  id: doc._id,
  tenantId: doc.tenantId,
  buyerId: doc.buyerId,
  storeId: doc.storeId ?? null,
  state: doc.state,
  version: doc.version,
  lines: doc.lines.map((l) => ({ productId: l.productId, sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, lineTotal: l.lineTotal })),
  currency: doc.currency,
  subtotal: doc.subtotal,
  discount: doc.discount,
  total: doc.total,
  coupon: doc.coupon ? { code: doc.coupon.code, discount: doc.coupon.discount } : null,
  email: doc.email,
  checkout: {
    provider: doc.checkout.provider,
    ...(doc.checkout.method ? { method: doc.checkout.method } : {}),
    email: doc.checkout.email,
    total: doc.checkout.total,
    currency: doc.checkout.currency,
  },
  paymentId: doc.paymentId ?? null,
  reservation: doc.reservation ? { expiresAt: doc.reservation.expiresAt } : null,
  cancellation: doc.cancellation ? { reason: doc.cancellation.reason, from: doc.cancellation.from, at: doc.cancellation.at } : null,
  createdAt: new Date(doc.createdAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
});
