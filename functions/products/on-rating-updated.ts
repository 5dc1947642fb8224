import { defineConsumer } from '../../layers/events/consumer';
import { ratingUpdated } from '../review/events';
import { applyRating, viewStore, type ViewStore } from './read-model';

/** Copies a product's rating aggregate into its read model. */
export const makeApplyRating =
  (deps: { views: ViewStore }) =>
  async (tenantId: string, data: { productId: string; ratingSum: number; ratingCount: number; version: number }): Promise<boolean> =>
    deps.views.update(tenantId, data.productId, applyRating(data));

export default defineConsumer(
  {
    name: 'products-on-rating-updated',
    summary: "Keep the read model's rating summary",
    events: { [ratingUpdated.type]: ratingUpdated.schema },
  },
  async (event) => {
    await makeApplyRating({ views: await viewStore() })(event.tenantId, event.data as never);
  },
);
