import { z } from 'zod';
import { ROLE_LEVEL } from '../../layers/auth/types';
import { ForbiddenError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { reviewStore, type ReviewStore } from './repository';
import { decodeCursor, toPage, toReview, type Viewer } from './rules';
import { page, pageQuery, review, reviewStatus, type Review } from './schemas';
import { productId } from '../products/schemas';

const listQuery = z.object({ productId: productId.optional(), status: reviewStatus.optional(), ...pageQuery }).strict();
type ListQuery = z.infer<typeof listQuery>;

/**
 * One page of a tenant's reviews, newest first (cursor-paginated), of one product or of all.
 * Customers see approved reviews only; the tenant's staff see every status and may filter by it
 * (their moderation queue is `status=pending`). A customer asking for another status gets 403.
 */
export const makeListReviews =
  (deps: { reviews: Pick<ReviewStore, 'list'> }) =>
  async (tenantId: string, viewer: Viewer, query: ListQuery): Promise<{ items: Review[]; nextCursor: string | null }> => {
    const { limit, cursor, productId: product, status } = query;
    if (!viewer.staff && status !== undefined && status !== 'approved') {
      throw new ForbiddenError('Only the tenant’s staff may list reviews that are not approved.', 'review_status_forbidden', { requested: status });
    }
    const filter = { ...(product ? { productId: product } : {}), ...(viewer.staff ? (status ? { status } : {}) : { status: 'approved' as const }) };
    const fetched = await deps.reviews.list(tenantId, filter, { before: decodeCursor(cursor), limit: limit + 1 });
    const { items, nextCursor } = toPage(fetched, limit);
    return { items: items.map((r) => toReview(r, viewer)), nextCursor };
  };

export default defineHttp(
  {
    name: 'review-list',
    method: 'GET',
    summary: "List a product's reviews, newest first (cursor-paginated); staff may filter by status",
    tags: ['review'],
    auth: 'customer',
    request: { query: listQuery },
    response: { status: 200, schema: page(review), description: 'A page of reviews' },
    errors: [403],
  },
  async ({ query, tenantId, actor }) => ({
    body: await makeListReviews({ reviews: await reviewStore() })(tenantId, { userId: actor.userId, staff: actor.level >= ROLE_LEVEL.staff }, query),
  }),
);
