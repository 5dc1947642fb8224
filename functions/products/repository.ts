import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import { pushOutbox, type OutboxEntry } from '../../layers/events/outbox';
import { withDocumentLock, type DocumentLock } from '../../layers/locks';
import { productModel, toProduct, type ProductDocument } from './model';
import { searchTermsOf } from './rules';
import type { Product } from './schemas';

export interface ListFilter {
  storeId?: string;
  status?: string;
  category?: string;
}

export interface SearchFilter {
  terms: string[];
  category?: string;
  minPrice?: number;
  maxPrice?: number;
}

export interface PageRequest {
  /** Return products whose id sorts after this one. */
  after?: string;
  limit: number;
}

/** The products store port: every call is scoped to one tenant. */
export interface ProductStore {
  insert(product: Product, events: OutboxEntry[]): Promise<void>;
  get(tenantId: string, id: string): Promise<Product | undefined>;
  /** Writes `product` and its events in one document write if the stored version is still `expectedVersion`. */
  replace(product: Product, expectedVersion: number, events: OutboxEntry[]): Promise<boolean>;
  markDeleted(tenantId: string, id: string, expectedVersion: number, events: OutboxEntry[], at: Date): Promise<boolean>;
  list(tenantId: string, filter: ListFilter, page: PageRequest): Promise<Product[]>;
  search(tenantId: string, filter: SearchFilter, page: PageRequest): Promise<Product[]>;
}

const stored = (product: Product): Omit<ProductDocument, 'outbox' | 'deletedAt'> => {
  const { id, createdAt, updatedAt, ...rest } = product;
  return { ...rest, _id: id, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt), searchTerms: searchTermsOf(product) };
};

const live = (tenantId: string) => ({ tenantId, deletedAt: null });

/**
 * Every update of a product runs under the document lock: the outbox relay updates the same
 * document, and FerretDB does not make two concurrent updates of one document atomic.
 */
export const mongoProductStore = (model: Model<ProductDocument>, lockDocument: DocumentLock = withDocumentLock): ProductStore => {
  const lock = <T>(id: string, work: () => Promise<T>) => lockDocument(model.collection.collectionName, id, work);
  const page = async (filter: Record<string, unknown>, { after, limit }: PageRequest): Promise<Product[]> => {
    const docs = await model
      .find(after ? { ...filter, _id: { $gt: after } } : filter)
      .sort({ _id: 1 })
      .limit(limit)
      .lean<ProductDocument[]>();
    return docs.map(toProduct);
  };

  return {
    async insert(product, events) {
      await model.create({ ...stored(product), deletedAt: null, outbox: events });
    },
    async get(tenantId, id) {
      const doc = await model.findOne({ _id: id, ...live(tenantId) }).lean<ProductDocument>();
      return doc ? toProduct(doc) : undefined;
    },
    async replace(product, expectedVersion, events) {
      const { _id, tenantId, ...fields } = stored(product);
      const result = await lock(_id, () => model.updateOne({ _id, ...live(tenantId), version: expectedVersion }, { $set: fields, ...pushOutbox(...events) }));
      return result.matchedCount === 1;
    },
    async markDeleted(tenantId, id, expectedVersion, events, at) {
      const result = await lock(id, () =>
        model.updateOne(
          { _id: id, ...live(tenantId), version: expectedVersion },
          { $set: { deletedAt: at, updatedAt: at, version: expectedVersion + 1 }, ...pushOutbox(...events) },
        ),
      );
      return result.matchedCount === 1;
    },
    list(tenantId, filter, request) {
      const query: Record<string, unknown> = { ...live(tenantId) };
      if (filter.storeId) query.storeId = filter.storeId;
      if (filter.status) query.status = filter.status;
      if (filter.category) query.category = filter.category;
      return page(query, request);
    },
    search(tenantId, filter, request) {
      const query: Record<string, unknown> = { ...live(tenantId), status: 'active' };
      if (filter.terms.length > 0) query.searchTerms = { $all: filter.terms };
      if (filter.category) query.category = filter.category;
      if (filter.minPrice !== undefined || filter.maxPrice !== undefined) {
        query['price.amount'] = {
          ...(filter.minPrice !== undefined ? { $gte: filter.minPrice } : {}),
          ...(filter.maxPrice !== undefined ? { $lte: filter.maxPrice } : {}),
        };
      }
      return page(query, request);
    },
  };
};

export const productStore = async (): Promise<ProductStore> => mongoProductStore(productModel(await serviceDb('products')));
