import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';

/** The review service's events: reviews in the outbox of the review document, ratings in the product's rating document. */
const reviews = { service: 'review', collection: 'reviews' } as const;

const reviewRef = {
  reviewId: z.string().min(1),
  productId: z.string().min(1),
  buyerId: z.string().min(1),
  rating: z.number().int().min(1).max(5),
};

export const reviewCreated = defineEvent({
  type: 'review.review.created.v1',
  schema: z.object(reviewRef),
  aggregate: reviews,
  description: 'A buyer reviewed a product they received; it waits for moderation.',
});

export const reviewModerated = defineEvent({
  type: 'review.review.moderated.v1',
  schema: z.object({
    ...reviewRef,
    decision: z.enum(['approved', 'rejected']),
    /** The status before this decision: the rating aggregate adds, removes or keeps the rating from it. */
    previous: z.enum(['pending', 'approved', 'rejected']),
    version: z.number().int().positive(),
  }),
  aggregate: reviews,
  description: 'A moderator approved or rejected a review; only approved reviews count in the rating.',
});

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

export const reviewEvents = [reviewCreated, reviewModerated, ratingUpdated];
