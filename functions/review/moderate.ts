import { NotFoundError, PreconditionFailedError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { reviewModerated } from './events';
import { reviewDeps, type ReviewDeps } from './deps';
import { assertVersion, etagOf, moderateReview, toReview, versionFromEtag, type StoredReview } from './rules';
import { idParams, ifMatchHeaders, moderationInput, review, type ModerationInput } from './schemas';

// Schemas: `idParams`, `If-Match` and `moderationInput` ({ decision, note? }) in; `review` out (./schemas).

export const MODERATE_REVIEW = 'review-moderate';

/**
 * A moderator approves or rejects a review, or reverses an earlier decision, at the version they
 * read (If-Match). The new status and its `moderated` event are one conditional document write;
 * review-on-review-moderated keeps the product's rating from it.
 */
export const makeModerateReview =
  (deps: Pick<ReviewDeps, 'reviews' | 'now' | 'nudge'>) =>
  async (actor: { tenantId: string; userId: string }, id: string, expectedVersion: number, input: ModerationInput): Promise<StoredReview> => {
    const current = await deps.reviews.get(actor.tenantId, id);
    if (!current) throw new NotFoundError('review', id);
    assertVersion(current, expectedVersion);
    const next = moderateReview(current, input.decision, { by: actor.userId, now: deps.now(), ...(input.note ? { note: input.note } : {}) });
    const event = reviewModerated.create({
      subject: id,
      tenantId: actor.tenantId,
      source: MODERATE_REVIEW,
      data: {
        reviewId: id,
        productId: next.productId,
        buyerId: next.buyerId,
        rating: next.rating,
        decision: input.decision,
        previous: current.status,
        version: next.version,
      },
    });
    if (!(await deps.reviews.replace(next, expectedVersion, [event]))) {
      throw new PreconditionFailedError('The review changed while this decision was applied; read it again.');
    }
    deps.nudge(id);
    return next;
  };

export default defineHttp(
  {
    name: 'review-moderate',
    method: 'POST',
    path: '/{id}',
    summary: 'Approve or reject a review (If-Match required)',
    tags: ['review'],
    auth: 'staff',
    request: { params: idParams, headers: ifMatchHeaders, body: moderationInput },
    response: { status: 200, schema: review, description: 'The moderated review' },
    errors: [404, 409, 412],
  },
  async ({ params, headers, body, actor }) => {
    const moderated = await makeModerateReview(await reviewDeps())(actor, params.id, versionFromEtag(headers['if-match']), body);
    return { body: toReview(moderated, { userId: actor.userId, staff: true }), headers: { etag: etagOf(moderated.version) } };
  },
);
