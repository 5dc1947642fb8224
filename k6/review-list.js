import { fail } from 'k6';
import { call, ifMatch, pause } from './lib/api.js';
import { reviewableProducts, writeReviews } from './lib/review.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A product page's reviews: setup() has the buyer review 6 products and approves 5 of them.
// An iteration reads the approved reviews 2 at a time and follows the cursor to the next page,
// then the moderation queue (status=pending) as the tenant's staff see it.
export const setup = () => {
  const { productIds, probe } = reviewableProducts(6);
  const reviews = writeReviews(productIds);
  for (const review of reviews.slice(0, 5)) {
    if (!call('POST', 'review-moderate', { path: `/${review.id}`, headers: ifMatch(review.version), body: { decision: 'approved' } }).ok) {
      fail('setup: review-moderate did not answer 200');
    }
  }
  return { pendingIds: [probe.id, reviews[5].id] };
};

const allHave = (r, status) => (r.json('items') || []).every((review) => review.status === status);

export default ({ pendingIds }) => {
  const first = call('GET', 'review-list', {
    query: { status: 'approved', limit: 2 },
    checks: { 'a full page of approved reviews': (r) => r.json('items').length === 2 && allHave(r, 'approved'), 'a next page': (r) => !!r.json('nextCursor') },
  });
  if (first.ok && first.res.json('nextCursor')) {
    call('GET', 'review-list', {
      query: { status: 'approved', limit: 2, cursor: first.res.json('nextCursor') },
      checks: { 'the next page, newest first': (r) => allHave(r, 'approved') && r.json('items')[0].id < first.res.json('items')[1].id },
    });
  }
  call('GET', 'review-list', {
    query: { status: 'pending', limit: 20 },
    checks: { 'the moderation queue': (r) => pendingIds.every((id) => (r.json('items') || []).some((review) => review.id === id)) },
  });
  pause();
};
