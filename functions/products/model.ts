import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { outboxEntrySchema, type OutboxEntry } from '../../layers/events/outbox';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { Product } from './schemas';

/** The stored product: the API shape plus search terms, soft-delete marker and its outbox. */
export interface ProductDocument extends Omit<Product, 'id' | 'createdAt' | 'updatedAt'> {
  _id: string;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  searchTerms: string[];
  outbox: OutboxEntry[];
}

/** Built on first use, so a request that never touches Mongo never loads mongoose. */
const buildProductSchema = (): Schema<ProductDocument> => {
  const { Schema } = mongooseLib();
  const moneySchema = new Schema({ amount: { type: Number, required: true }, currency: { type: String, required: true } }, { _id: false });

  const variantSchema = new Schema(
    {
      sku: { type: String, required: true },
      name: { type: String, required: true },
      price: { type: moneySchema, required: false },
      attributes: { type: Schema.Types.Mixed, default: {} },
    },
    { _id: false, minimize: false },
  );

  const productSchema = new Schema<ProductDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      storeId: { type: String, required: true },
      name: { type: String, required: true },
      description: { type: String, default: '' },
      category: { type: String, required: true },
      tags: { type: [String], default: [] },
      status: { type: String, required: true },
      price: { type: moneySchema, required: true },
      variants: { type: [variantSchema], default: [] },
      searchTerms: { type: [String], default: [] },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      deletedAt: { type: Date, default: null },
      outbox: { type: [outboxEntrySchema()], default: [] },
    },
    { collection: 'products', versionKey: false, minimize: false, strict: 'throw' },
  );

  productSchema.index({ tenantId: 1, storeId: 1, _id: 1 });
  productSchema.index({ tenantId: 1, searchTerms: 1 });
  productSchema.plugin(tenantScopePlugin);
  return productSchema;
};

let productSchema: Schema<ProductDocument> | undefined;

export const productModel = (db: Connection): Model<ProductDocument> =>
  (db.models.Product as Model<ProductDocument> | undefined) ?? db.model<ProductDocument>('Product', (productSchema ??= buildProductSchema()));

export const toProduct = (doc: ProductDocument): Product => ({
  id: doc._id,
  tenantId: doc.tenantId,
  storeId: doc.storeId,
  name: doc.name,
  description: doc.description,
  category: doc.category,
  tags: [...doc.tags],
  status: doc.status,
  price: { amount: doc.price.amount, currency: doc.price.currency },
  variants: doc.variants.map((v) => ({
    sku: v.sku,
    name: v.name,
    ...(v.price ? { price: { amount: v.price.amount, currency: v.price.currency } } : {}),
    attributes: { ...(v.attributes ?? {}) },
  })),
  version: doc.version,
  createdAt: new Date(doc.createdAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
});
