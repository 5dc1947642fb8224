import { defineConsumer } from '../../layers/events/consumer';
import { stockChanged } from '../inventory/events';
import { applyStock, viewStore, type ViewStore } from './read-model';

/** Copies a variant's stock level into the product's read model. */
export const makeApplyStock =
  (deps: { views: ViewStore }) =>
  async (tenantId: string, data: { productId: string; sku: string; available: number; reserved: number; version: number }): Promise<boolean> =>
    deps.views.update(tenantId, data.productId, applyStock(data));

export default defineConsumer(
  {
    name: 'products-on-stock-changed',
    summary: "Keep the read model's stock levels",
    events: { [stockChanged.type]: stockChanged.schema },
  },
  async (event) => {
    await makeApplyStock({ views: await viewStore() })(event.tenantId, event.data as never);
  },
);
