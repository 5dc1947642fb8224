import { ConflictError, ForbiddenError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { reviewCreated } from './events';
import { reviewDeps, type ReviewDeps } from './deps';
import { buildReview, etagOf, toReview, type StoredReview } from './rules';
import { review, reviewInput, type ReviewInput } from './schemas';

// Schemas: `reviewInput` in (productId, rating 1..5, title?, body), `review` out (./schemas).

export const CREATE_REVIEW = 'review-create';

/**
 * A buyer reviews a product they received (a delivered order of theirs carried it: the
 * eligibility review-on-order-delivered recorded), once: the review starts `pending` and counts
 * in the product's rating only once approved. The review and its `created` event are one
 * document write; the unique (tenant, product, buyer) index refuses a second review, however
 * many requests race.
 */
export const makeCreateReview =
  (deps: Pick<ReviewDeps, 'reviews' | 'eligibility' | 'newId' | 'now' | 'nudge'>) =>
  async (input: ReviewInput, actor: { tenantId: string; userId: string }): Promise<StoredReview> => {
    const { tenantId, userId } = actor;
    if (!(await deps.eligibility.has(tenantId, userId, input.productId))) {
      throw new ForbiddenError('Only a buyer whose order of this product was delivered may review it.', 'review_not_eligible', {
        productId: input.productId,
      });
    }
    const created = buildReview(input, { id: deps.newId(), tenantId, buyerId: userId, now: deps.now() });
    const event = reviewCreated.create({
      subject: created.id,
      tenantId,
      source: CREATE_REVIEW,
      data: { reviewId: created.id, productId: created.productId, buyerId: userId, rating: created.rating },
    });
    if (!(await deps.reviews.insert(created, [event]))) {
      const existing = await deps.reviews.findByAuthor(tenantId, userId, input.productId);
      throw new ConflictError('You have reviewed this product already.', 'review_exists', existing ? { reviewId: existing.id } : {});
    }
    deps.nudge(created.id);
    return created;
  };

export default defineHttp(
  {
    name: 'review-create',
    method: 'POST',
    summary: 'Review a product you received (once per product)',
    tags: ['review'],
    auth: 'customer',
    idempotent: true,
    request: { body: reviewInput },
    response: { status: 201, schema: review, description: 'The review, pending moderation' },
    errors: [403, 409, 422],
  },
  async ({ body, actor }) => {
    const created = await makeCreateReview(await reviewDeps())(body, actor);
    return { body: toReview(created, { userId: actor.userId, staff: false }), headers: { etag: etagOf(created.version) } };
  },
);
