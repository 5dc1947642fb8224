import { defineConsumer } from '../../layers/events/consumer';
import { productCreated, productDeleted, productUpdated, variantDeleted, variantUpserted } from './events';
import { applyDeletion, applyProductSnapshot, viewStore, type ViewChange, type ViewStore } from './read-model';
import type { Product } from './schemas';

type ProductEvent =
  | { type: typeof productCreated.type | typeof productUpdated.type; data: Product }
  | { type: typeof variantUpserted.type | typeof variantDeleted.type; data: { sku: string; product: Product } }
  | { type: typeof productDeleted.type; data: { id: string; version: number } };

/** Which view change a product event makes: snapshots replace, deletions leave a tombstone. */
export const changeFor = (event: ProductEvent): ViewChange => {
  switch (event.type) {
    case productDeleted.type:
      return applyDeletion(event.data.version);
    case variantUpserted.type:
    case variantDeleted.type:
      return applyProductSnapshot(event.data.product);
    default:
      return applyProductSnapshot(event.data);
  }
};

/** Keeps the product part of the read model in step with the write model. */
export const makeProjectProduct =
  (deps: { views: ViewStore }) =>
  async (event: ProductEvent & { tenantId: string; subject: string }): Promise<void> => {
    await deps.views.update(event.tenantId, event.subject, changeFor(event));
  };

export default defineConsumer(
  {
    name: 'products-on-product-changed',
    summary: 'Project product events into the product read model',
    events: {
      [productCreated.type]: productCreated.schema,
      [productUpdated.type]: productUpdated.schema,
      [productDeleted.type]: productDeleted.schema,
      [variantUpserted.type]: variantUpserted.schema,
      [variantDeleted.type]: variantDeleted.schema,
    },
  },
  async (event) => makeProjectProduct({ views: await viewStore() })(event as never),
);
