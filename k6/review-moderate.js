import { call, ifMatch, pause } from './lib/api.js';
import { track } from './lib/products.js';
import { reviewableProducts, uuidv7, writeReviews } from './lib/review.js';
import { loadOptions, scenarioVus } from './lib/scenarios.js';

export const options = loadOptions();

// A moderator's queue: setup() writes one review per VU of the scenario's peak (up to 49, each
// of a product the buyer received). Each VU moderates its own review at the version it last saw
// (If-Match), approving and rejecting it in turn, as a moderator reverses a decision; a VU past
// the 49 asks for a review that does not exist (404).
export const setup = () => {
  const { productIds } = reviewableProducts(Math.min(49, scenarioVus()));
  return { reviews: writeReviews(productIds) };
};

let mine; // per VU: its review and the status it last set

export default ({ reviews }) => {
  if (mine === undefined) mine = reviews[__VU - 1] ? { ...reviews[__VU - 1], status: 'pending' } : null;
  if (!mine) {
    call('POST', 'review-moderate', { path: `/${uuidv7()}`, headers: ifMatch(1), body: { decision: 'approved' }, status: 404 });
    pause();
    return;
  }
  const decision = mine.status === 'approved' ? 'rejected' : 'approved';
  const reply = call('POST', 'review-moderate', {
    path: `/${mine.id}`,
    headers: ifMatch(mine.version),
    body: { decision, note: `load iteration ${__ITER}` },
    checks: { 'decision applied, one version on': (r) => r.json('status') === decision && r.json('version') === mine.version + 1 },
  });
  if (track(mine, reply)) mine.status = decision;
  pause();
};
