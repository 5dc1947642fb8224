import { describe, expect, it } from 'vitest';
import { ConflictError, PreconditionFailedError } from '../../../layers/errors';
import {
  applyModeration,
  assertVersion,
  buildReview,
  eligibilityIdOf,
  emptyRating,
  moderateReview,
  ratingIdOf,
  toReview,
  type Moderation,
  type RatingState,
} from '../../../functions/review/rules';
import { reviewInput } from '../../../functions/review/schemas';

const NOW = new Date('2030-01-01T10:00:00.000Z');
const LATER = new Date('2030-01-02T10:00:00.000Z');
const PRODUCT = '0190a0a0-0000-7000-8000-0000000000aa';
const input = { productId: PRODUCT, rating: 4, body: 'Sturdy and warm.' };
const meta = { id: '0190a0a0-0000-7000-8000-000000000001', tenantId: 't1', buyerId: 'buyer-1', now: NOW };

describe('review input', () => {
  it('takes an integer rating 1..5, a body up to 5000 characters and an optional title; nothing else', () => {
    expect(reviewInput.parse({ ...input, title: '  Great  ' })).toEqual({ ...input, title: 'Great' });
    for (const rating of [0, 6, 3.5, '4']) expect(reviewInput.safeParse({ ...input, rating }).success).toBe(false);
    expect(reviewInput.safeParse({ ...input, body: 'x'.repeat(5000) }).success).toBe(true);
    expect(reviewInput.safeParse({ ...input, body: 'x'.repeat(5001) }).success).toBe(false);
    expect(reviewInput.safeParse({ ...input, body: '   ' }).success).toBe(false);
    expect(reviewInput.safeParse({ ...input, productId: 'not-a-product' }).success).toBe(false);
    expect(reviewInput.safeParse({ ...input, status: 'approved' }).success).toBe(false);
    expect(reviewInput.safeParse({ ...input, buyerId: 'someone-else' }).success).toBe(false);
  });
});

describe('review rules', () => {
  it('builds a pending review at version 1', () => {
    expect(buildReview(input, meta)).toEqual({
      id: meta.id,
      tenantId: 't1',
      productId: PRODUCT,
      buyerId: 'buyer-1',
      rating: 4,
      title: null,
      body: 'Sturdy and warm.',
      status: 'pending',
      version: 1,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      moderation: null,
    });
    expect(buildReview({ ...input, title: 'Warm' }, meta).title).toBe('Warm');
  });

  it('moderates pending → approved → rejected → approved, one version each; the same decision again is 409 with the status', () => {
    const pending = buildReview(input, meta);
    const approved = moderateReview(pending, 'approved', { by: 'staff-1', now: LATER });
    expect(approved).toMatchObject({ status: 'approved', version: 2, updatedAt: LATER.toISOString(), moderation: { by: 'staff-1', note: null } });
    const rejected = moderateReview(approved, 'rejected', { by: 'staff-2', note: 'Off topic', now: LATER });
    expect(rejected).toMatchObject({ status: 'rejected', version: 3, moderation: { by: 'staff-2', note: 'Off topic' } });
    expect(moderateReview(rejected, 'approved', { by: 'staff-1', now: LATER })).toMatchObject({ status: 'approved', version: 4 });
    expect(() => moderateReview(approved, 'approved', { by: 'staff-1', now: LATER })).toThrow(ConflictError);
    const thrown = (() => {
      try {
        moderateReview(rejected, 'rejected', { by: 'staff-1', now: LATER });
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({ status: 409, code: 'illegal_transition', extras: { currentStatus: 'rejected' } });
  });

  it('checks the version a moderator read', () => {
    const pending = buildReview(input, meta);
    expect(() => assertVersion(pending, 1)).not.toThrow();
    expect(() => assertVersion(pending, 2)).toThrow(PreconditionFailedError);
  });

  it('shows who wrote and who moderated only to staff and to the author', () => {
    const approved = moderateReview(buildReview(input, meta), 'approved', { by: 'staff-1', now: LATER });
    const other = toReview(approved, { userId: 'buyer-2', staff: false });
    expect(other).not.toHaveProperty('buyerId');
    expect(other).not.toHaveProperty('moderation');
    expect(other).not.toHaveProperty('tenantId');
    expect(toReview(approved, { userId: 'buyer-1', staff: false })).toMatchObject({ buyerId: 'buyer-1', moderation: { by: 'staff-1' } });
    expect(toReview(approved, { userId: 'staff-9', staff: true })).toMatchObject({ buyerId: 'buyer-1', moderation: { by: 'staff-1' } });
  });

  it('makes lookup ids that keep tenants apart', () => {
    expect(eligibilityIdOf('t1', 'b1', 'p1')).toBe('t1:b1:p1');
    expect(ratingIdOf('t1', 'p1')).toBe('t1:p1');
    expect(ratingIdOf('t1', 'p1')).not.toBe(ratingIdOf('t2', 'p1'));
  });
});

describe('rating aggregation with a ledger', () => {
  const mod = (reviewId: string, decision: 'approved' | 'rejected', version: number, rating = 4): Moderation => ({
    reviewId,
    productId: 'p1',
    rating,
    decision,
    version,
  });
  const run = (moderations: Moderation[], start: RatingState = emptyRating('p1')) =>
    moderations.reduce((state, m) => applyModeration(state, m)?.next ?? state, start);

  it('adds an approval, removes it on a rejection, adds it back on a reversal', () => {
    const one = applyModeration(emptyRating('p1'), mod('r1', 'approved', 2, 5))!;
    expect(one).toEqual({
      changed: true,
      next: { productId: 'p1', sum: 5, count: 1, version: 1, rev: 1, ledger: [{ reviewId: 'r1', version: 2, counted: true, rating: 5 }] },
    });
    const two = applyModeration(one.next, mod('r2', 'approved', 2, 3))!.next;
    expect(two).toMatchObject({ sum: 8, count: 2, version: 2, rev: 2 });
    const removed = applyModeration(two, mod('r1', 'rejected', 3, 5))!;
    expect(removed).toMatchObject({ changed: true, next: { sum: 3, count: 1, version: 3, rev: 3 } });
    expect(applyModeration(removed.next, mod('r1', 'approved', 4, 5))!.next).toMatchObject({ sum: 8, count: 2, version: 4 });
  });

  it('a rejection of a pending review changes nothing but the ledger (no event due)', () => {
    const result = applyModeration(emptyRating('p1'), mod('r1', 'rejected', 2))!;
    expect(result).toMatchObject({ changed: false, next: { sum: 0, count: 0, version: 0, rev: 1 } });
    expect(result.next.ledger).toEqual([{ reviewId: 'r1', version: 2, counted: false, rating: 4 }]);
  });

  it('never counts twice: a redelivered moderation is a no-op', () => {
    const once = run([mod('r1', 'approved', 2)]);
    expect(applyModeration(once, mod('r1', 'approved', 2))).toBeUndefined();
    expect(run([mod('r1', 'approved', 2), mod('r1', 'approved', 2), mod('r1', 'approved', 2)])).toMatchObject({ sum: 4, count: 1, version: 1 });
  });

  it('an older moderation arriving after a newer one is ignored, so the final status wins in any order', () => {
    const inOrder = run([mod('r1', 'approved', 2), mod('r1', 'rejected', 3)]);
    const reversed = run([mod('r1', 'rejected', 3), mod('r1', 'approved', 2)]);
    expect(inOrder).toMatchObject({ sum: 0, count: 0 });
    expect(reversed).toMatchObject({ sum: 0, count: 0, version: 0 });
    const approvedLast = run([mod('r1', 'approved', 4), mod('r1', 'rejected', 3), mod('r1', 'approved', 2)]);
    expect(approvedLast).toMatchObject({ sum: 4, count: 1, version: 1 });
  });
});
