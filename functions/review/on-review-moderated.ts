import type { z } from 'zod';
import { ServiceUnavailableError } from '../../layers/errors';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { causedBy } from '../../layers/events/envelope';
import { ratingUpdated, reviewModerated } from './events';
import { ratingDeps, type RatingDeps } from './deps';
import { applyModeration, ratingIdOf } from './rules';

type ReviewModerated = z.infer<typeof reviewModerated.schema>;

export const AGGREGATE_RATING = 'review-on-review-moderated';

export type RatingOutcome = 'updated' | 'unchanged' | 'already-applied';

/**
 * Keeps a product's rating (sum and count of its approved reviews) from each moderation: the
 * aggregate, its ledger and the review.rating.updated it causes are one compare-and-set write of
 * the rating document, retried when another moderation of the same product wrote first. The
 * ledger makes it safe to run again: a moderation already applied (or older than one applied)
 * changes nothing and emits nothing.
 */
export const makeOnReviewModerated =
  (deps: RatingDeps, maxAttempts = 20) =>
  async (event: ConsumedEvent<ReviewModerated>): Promise<RatingOutcome> => {
    const { tenantId } = event;
    const { reviewId, productId, rating, decision, version } = event.data;
    for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
      const current = await deps.ratings.get(tenantId, productId);
      const applied = applyModeration(current, { reviewId, productId, rating, decision, version });
      if (!applied) return 'already-applied';
      const { next, changed } = applied;
      const events = changed
        ? [
            ratingUpdated.create({
              subject: productId,
              tenantId,
              source: AGGREGATE_RATING,
              data: { productId, ratingSum: next.sum, ratingCount: next.count, version: next.version },
              ...causedBy(event),
            }),
          ]
        : [];
      if (await deps.ratings.write(tenantId, next, events)) {
        if (changed) deps.nudge(ratingIdOf(tenantId, productId));
        return changed ? 'updated' : 'unchanged';
      }
    }
    throw new ServiceUnavailableError(`The rating of product ${productId} is too busy; the event will be retried.`, 'rating_busy');
  };

export default defineConsumer(
  {
    name: 'review-on-review-moderated',
    summary: "Keep each product's rating (sum and count of approved reviews)",
    events: { [reviewModerated.type]: reviewModerated.schema },
  },
  async (event, context) => {
    const outcome = await makeOnReviewModerated(await ratingDeps())(event);
    context.log.info({ reviewId: event.data.reviewId, productId: event.data.productId, outcome }, 'rating aggregate');
  },
);
