import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import { RESERVATION_STATUSES, type Reservation, type Stock } from './rules';

/** A variant's stock as stored: `_id` is `<productId>:<sku>`, and its events travel in its outbox. */
export interface StockDocument extends Stock {
  _id: string;
  outbox: OutboxEntry[];
}

/** An order's reservation as stored: `_id` is the order id. */
export interface ReservationDocument extends Omit<Reservation, 'orderId'> {
  _id: string;
  outbox: OutboxEntry[];
}

const buildStockSchema = (): Schema<StockDocument> => {
  const { Schema } = mongooseLib();
  const holdSchema = new Schema(
    { orderId: { type: String, required: true }, quantity: { type: Number, required: true }, expiresAt: { type: Date, required: true } },
    { _id: false },
  );
  const schema = new Schema<StockDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      productId: { type: String, required: true },
      sku: { type: String, required: true },
      onHand: { type: Number, required: true },
      reserved: { type: Number, required: true },
      available: { type: Number, required: true },
      lowStockThreshold: { type: Number, required: true },
      version: { type: Number, required: true },
      holds: { type: [holdSchema], default: [] },
      restocked: { type: [String], default: [] },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'stock', versionKey: false, minimize: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

const buildReservationSchema = (): Schema<ReservationDocument> => {
  const { Schema } = mongooseLib();
  const lineSchema = new Schema(
    { productId: { type: String, required: true }, sku: { type: String, required: true }, quantity: { type: Number, required: true } },
    { _id: false },
  );
  const schema = new Schema<ReservationDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      buyerId: { type: String, required: true },
      status: { type: String, required: true, enum: RESERVATION_STATUSES },
      lines: { type: [lineSchema], default: [] },
      expiresAt: { type: Date, required: true },
      rehold: { type: Boolean, default: false },
      correlationId: { type: String, required: false },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'reservations', versionKey: false, minimize: false, strict: 'throw' },
  );
  // The expiry sweep's query on MongoDB; FerretDB scans, which a once-a-minute bounded sweep affords.
  schema.index({ status: 1, expiresAt: 1 });
  schema.plugin(tenantScopePlugin);
  return schema;
};

let stockSchema: Schema<StockDocument> | undefined;
let reservationSchema: Schema<ReservationDocument> | undefined;

export const stockModel = (db: Connection): Model<StockDocument> =>
  (db.models.Stock as Model<StockDocument> | undefined) ?? db.model<StockDocument>('Stock', (stockSchema ??= buildStockSchema()));

export const reservationModel = (db: Connection): Model<ReservationDocument> =>
  (db.models.Reservation as Model<ReservationDocument> | undefined) ??
  db.model<ReservationDocument>('Reservation', (reservationSchema ??= buildReservationSchema()));

export const toStock = (doc: StockDocument): Stock => ({
  tenantId: doc.tenantId,
  productId: doc.productId,
  sku: doc.sku,
  onHand: doc.onHand,
  reserved: doc.reserved,
  available: doc.available,
  lowStockThreshold: doc.lowStockThreshold,
  version: doc.version,
  holds: (doc.holds ?? []).map((h) => ({ orderId: h.orderId, quantity: h.quantity, expiresAt: new Date(h.expiresAt) })),
  restocked: [...(doc.restocked ?? [])],
  createdAt: new Date(doc.createdAt),
  updatedAt: new Date(doc.updatedAt),
});

export const toReservation = (doc: ReservationDocument): Reservation => ({
  orderId: doc._id,
  tenantId: doc.tenantId,
  buyerId: doc.buyerId,
  status: doc.status,
  lines: doc.lines.map((l) => ({ productId: l.productId, sku: l.sku, quantity: l.quantity })),
  expiresAt: new Date(doc.expiresAt),
  rehold: Boolean(doc.rehold),
  ...(doc.correlationId ? { correlationId: doc.correlationId } : {}),
  version: doc.version,
  createdAt: new Date(doc.createdAt),
  updatedAt: new Date(doc.updatedAt),
});
