import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';

/** Review's events that other services consume today; the review functions arrive with the commerce work. */
export const ratingUpdated = defineEvent({
  type: 'review.rating.updated.v1',
  schema: z.object({
    productId: z.string().min(1),
    ratingSum: z.number().min(0),
    ratingCount: z.number().int().min(0),
    version: z.number().int().positive(),
  }),
  aggregate: { service: 'review', collection: 'ratings' },
  description: "A product's rating aggregate changed (kept as sum and count, since FerretDB has no $avg).",
});

export const reviewEvents = [ratingUpdated];
