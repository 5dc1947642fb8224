import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { NextAction, PaymentRecord, RefundRecord } from './rules';

/** The stored payment (`payment` database, `payments`, `_id` = order id): the record, dates as Dates, and its outbox. */
export interface RefundDocument extends Omit<RefundRecord, 'createdAt' | 'updatedAt'> {
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentDocument extends Omit<PaymentRecord, 'id' | 'createdAt' | 'updatedAt' | 'refunds'> {
  _id: string;
  refunds: RefundDocument[];
  createdAt: Date;
  updatedAt: Date;
  outbox: OutboxEntry[];
}

const buildPaymentSchema = (): Schema<PaymentDocument> => {
  const { Schema } = mongooseLib();
  const refundSchema = new Schema<RefundDocument>(
    {
      id: { type: String, required: true },
      amount: { type: Number, required: true },
      reason: { type: String, required: true },
      status: { type: String, required: true },
      providerRefundId: { type: String, default: null },
      requestKey: { type: String, default: null },
      note: { type: String, default: null },
      failureReason: { type: String, default: null },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
    },
    { _id: false },
  );
  const schema = new Schema<PaymentDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      buyerId: { type: String, default: null },
      provider: { type: String, default: null },
      amount: { type: Number, required: true },
      currency: { type: String, required: true },
      email: { type: String, default: null },
      status: { type: String, required: true },
      captured: { type: Number, required: true },
      refunded: { type: Number, required: true },
      providerReference: { type: String, default: null },
      failureReason: { type: String, default: null },
      nextAction: { type: Schema.Types.Mixed, default: null },
      refunds: { type: [refundSchema], default: [] },
      webhookEvents: { type: [String], default: [] },
      correlationId: { type: String, default: null },
      traceparent: { type: String, default: null },
      orderCancelled: { type: Boolean, required: true },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'payments', versionKey: false, minimize: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

let paymentSchema: Schema<PaymentDocument> | undefined;

export const paymentModel = (db: Connection): Model<PaymentDocument> =>
  (db.models.Payment as Model<PaymentDocument> | undefined) ?? db.model<PaymentDocument>('Payment', (paymentSchema ??= buildPaymentSchema()));

const isoOf = (value: Date | string): string => new Date(value).toISOString();

export const toRecord = (doc: PaymentDocument): PaymentRecord => ({
  id: doc._id,
  tenantId: doc.tenantId,
  buyerId: doc.buyerId ?? null,
  provider: doc.provider ?? null,
  amount: doc.amount,
  currency: doc.currency,
  email: doc.email ?? null,
  status: doc.status,
  captured: doc.captured,
  refunded: doc.refunded,
  providerReference: doc.providerReference ?? null,
  failureReason: doc.failureReason ?? null,
  nextAction: (doc.nextAction as NextAction | null) ?? null,
  refunds: (doc.refunds ?? []).map((r) => ({
    id: r.id,
    amount: r.amount,
    reason: r.reason,
    status: r.status,
    providerRefundId: r.providerRefundId ?? null,
    requestKey: r.requestKey ?? null,
    note: r.note ?? null,
    failureReason: r.failureReason ?? null,
    createdAt: isoOf(r.createdAt),
    updatedAt: isoOf(r.updatedAt),
  })),
  webhookEvents: [...(doc.webhookEvents ?? [])],
  correlationId: doc.correlationId ?? null,
  traceparent: doc.traceparent ?? null,
  orderCancelled: doc.orderCancelled === true,
  version: doc.version,
  createdAt: isoOf(doc.createdAt),
  updatedAt: isoOf(doc.updatedAt),
});

/** Every field of the record as stored, except `_id`, the tenant and the outbox (for `$set`). */
export const storedFields = (record: PaymentRecord): Omit<PaymentDocument, '_id' | 'tenantId' | 'outbox'> => {
  const { id: _id, tenantId: _tenant, refunds, createdAt, updatedAt, ...rest } = record;
  return {
    ...rest,
    refunds: refunds.map((r) => ({ ...r, createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) })),
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
  };
};
