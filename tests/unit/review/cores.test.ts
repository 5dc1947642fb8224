import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ConsumedEvent } from '../../../layers/events/consumer';
import { makeCreateReview } from '../../../functions/review/create';
import { makeListReviews } from '../../../functions/review/list';
import { makeModerateReview } from '../../../functions/review/moderate';
import { makeOnOrderDelivered } from '../../../functions/review/on-order-delivered';
import { makeOnReviewModerated } from '../../../functions/review/on-review-moderated';
import { decodeCursor, ratingIdOf } from '../../../functions/review/rules';
import { memoryEligibilityStore, memoryRatingStore, memoryReviewStore } from './support';

const NOW = new Date('2030-01-01T10:00:00.000Z');
const P1 = '0190a0a0-0000-7000-8000-0000000000a1';
const P2 = '0190a0a0-0000-7000-8000-0000000000a2';
const ORDER = '0190a0a0-0000-7000-8000-0000000000f1';
const buyer = { tenantId: 't1', userId: 'buyer-1' };
const staff = { tenantId: 't1', userId: 'staff-1' };

const event = <T>(type: string, data: T, tenantId = 't1'): ConsumedEvent<T> => {
  const id = uuidv7();
  return { id, type, source: 'test', subject: 's', time: NOW.toISOString(), tenantId, correlationId: id, data };
};

const line = (productId: string, sku = 'BASE') => ({ productId, sku, name: 'Mug', quantity: 1, unitPrice: 1000, lineTotal: 1000 });

const delivered = (buyerId: string, products: string[], tenantId = 't1') =>
  event(
    'orders.order.delivered.v1',
    {
      orderId: ORDER,
      buyerId,
      storeId: null,
      lines: products.map((p) => line(p)),
      currency: 'EUR',
      total: 1000 * products.length,
      email: 'buyer@example.com',
      version: 5,
    },
    tenantId,
  );

const setup = () => {
  const reviews = memoryReviewStore();
  const eligibility = memoryEligibilityStore();
  const nudged: string[] = [];
  let n = 0;
  const deps = {
    reviews,
    eligibility,
    newId: () => `0190a0a0-0000-7000-8000-${String(++n).padStart(12, '0')}`,
    now: () => NOW,
    nudge: (id: string) => void nudged.push(id),
  };
  return { reviews, eligibility, nudged, deps, create: makeCreateReview(deps), moderate: makeModerateReview(deps), list: makeListReviews(deps) };
};

const caught = async (promise: Promise<unknown>) => promise.then(() => undefined).catch((error: unknown) => error);

describe('review-on-order-delivered', () => {
  it('records one eligibility per product of the order, once under redelivery and a repeat order', async () => {
    const { eligibility } = setup();
    const onDelivered = makeOnOrderDelivered({ eligibility });
    const order = { ...delivered('buyer-1', [P1, P2]), data: { ...delivered('buyer-1', [P1, P2]).data, lines: [line(P1, 'S'), line(P1, 'L'), line(P2)] } };
    expect(await onDelivered(order)).toEqual([P1, P2]);
    await onDelivered(order);
    await onDelivered({ ...delivered('buyer-1', [P1]), data: { ...delivered('buyer-1', [P1]).data, orderId: '0190a0a0-0000-7000-8000-0000000000f2' } });
    expect(eligibility.rows.size).toBe(2);
    expect(eligibility.rows.get(`t1:buyer-1:${P1}`)).toEqual({ orderId: ORDER, deliveredAt: NOW });
    expect(await eligibility.has('t1', 'buyer-1', P1)).toBe(true);
    expect(await eligibility.has('t2', 'buyer-1', P1)).toBe(false);
    expect(await eligibility.has('t1', 'buyer-2', P1)).toBe(false);
  });

  it('records in line order, one after the other: whoever sees the last product eligible may rely on all', async () => {
    const written: string[] = [];
    let inFlight = 0;
    const eligibility = {
      record: async (entry: { productId: string }) => {
        inFlight += 1;
        expect(inFlight).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 1));
        written.push(entry.productId);
        inFlight -= 1;
      },
    };
    await makeOnOrderDelivered({ eligibility } as never)(delivered('buyer-1', [P2, P1]));
    expect(written).toEqual([P2, P1]);
  });
});

describe('review-create', () => {
  it('refuses a buyer without a delivered order of the product (403 review_not_eligible), writing nothing', async () => {
    const { create, reviews, eligibility } = setup();
    expect(await caught(create({ productId: P1, rating: 5, body: 'Love it' }, buyer))).toMatchObject({ status: 403, code: 'review_not_eligible' });
    // Another buyer's, or another tenant's, delivery does not make this buyer eligible.
    await makeOnOrderDelivered({ eligibility })(delivered('buyer-2', [P1]));
    await makeOnOrderDelivered({ eligibility })(delivered('buyer-1', [P1], 't2'));
    expect(await caught(create({ productId: P1, rating: 5, body: 'Love it' }, buyer))).toMatchObject({ status: 403, code: 'review_not_eligible' });
    expect(reviews.rows.size).toBe(0);
    expect(reviews.outbox).toEqual([]);
  });

  it('creates a pending review with its created event in the same write, then refuses a second one (409 review_exists)', async () => {
    const { create, reviews, eligibility, nudged } = setup();
    await makeOnOrderDelivered({ eligibility })(delivered('buyer-1', [P1]));
    const created = await create({ productId: P1, rating: 5, title: 'Great', body: 'Love it' }, buyer);
    expect(created).toMatchObject({ productId: P1, buyerId: 'buyer-1', rating: 5, title: 'Great', status: 'pending', version: 1 });
    expect(reviews.outbox).toHaveLength(1);
    expect(reviews.outbox[0]).toMatchObject({ type: 'review.review.created.v1', subject: created.id, tenantId: 't1', source: 'review-create' });
    expect(JSON.parse(reviews.outbox[0]!.data)).toEqual({ reviewId: created.id, productId: P1, buyerId: 'buyer-1', rating: 5 });
    expect(nudged).toEqual([created.id]);

    expect(await caught(create({ productId: P1, rating: 1, body: 'Changed my mind' }, buyer))).toMatchObject({
      status: 409,
      code: 'review_exists',
      extras: { reviewId: created.id },
    });
    expect(reviews.rows.size).toBe(1);
    expect(reviews.outbox).toHaveLength(1);
  });
});

describe('review-moderate', () => {
  const withReview = async () => {
    const ctx = setup();
    await makeOnOrderDelivered({ eligibility: ctx.eligibility })(delivered('buyer-1', [P1]));
    const created = await ctx.create({ productId: P1, rating: 4, body: 'Good' }, buyer);
    return { ...ctx, created };
  };

  it('approves at the version read, with the moderated event (previous status, new version) in the same write', async () => {
    const { moderate, reviews, created, nudged } = await withReview();
    const approved = await moderate(staff, created.id, 1, { decision: 'approved', note: 'Fine' });
    expect(approved).toMatchObject({ status: 'approved', version: 2, moderation: { by: 'staff-1', note: 'Fine' } });
    expect(JSON.parse(reviews.outbox[1]!.data)).toEqual({
      reviewId: created.id,
      productId: P1,
      buyerId: 'buyer-1',
      rating: 4,
      decision: 'approved',
      previous: 'pending',
      version: 2,
    });
    expect(nudged).toEqual([created.id, created.id]);
    const rejected = await moderate(staff, created.id, 2, { decision: 'rejected' });
    expect(JSON.parse(reviews.outbox[2]!.data)).toMatchObject({ decision: 'rejected', previous: 'approved', version: 3 });
    expect(rejected.moderation).toEqual({ at: NOW.toISOString(), by: 'staff-1', note: null });
  });

  it('answers 404 for an unknown or foreign review, 412 for a stale version, 409 for the same decision; nothing written', async () => {
    const { moderate, reviews, created } = await withReview();
    expect(await caught(moderate(staff, '0190a0a0-0000-7000-8000-0000000000ff', 1, { decision: 'approved' }))).toMatchObject({ status: 404 });
    expect(await caught(moderate({ tenantId: 't2', userId: 's' }, created.id, 1, { decision: 'approved' }))).toMatchObject({ status: 404 });
    expect(await caught(moderate(staff, created.id, 3, { decision: 'approved' }))).toMatchObject({ status: 412, extras: { currentVersion: 1 } });
    await moderate(staff, created.id, 1, { decision: 'rejected' });
    expect(await caught(moderate(staff, created.id, 2, { decision: 'rejected' }))).toMatchObject({ status: 409, code: 'illegal_transition' });
    expect(reviews.outbox).toHaveLength(2);
  });

  it('answers 412 when another moderator wrote between the read and the write', async () => {
    const { deps, created, reviews } = await withReview();
    const racing = makeModerateReview({
      ...deps,
      reviews: {
        ...reviews,
        get: async (tenantId, id) => {
          const read = await reviews.get(tenantId, id);
          await makeModerateReview(deps)(staff, created.id, 1, { decision: 'rejected' });
          return read;
        },
      },
    });
    expect(await caught(racing(staff, created.id, 1, { decision: 'approved' }))).toMatchObject({ status: 412 });
    expect((await reviews.get('t1', created.id))!.status).toBe('rejected');
  });
});

describe('review-list', () => {
  const populated = async () => {
    const ctx = setup();
    const buyers = ['b1', 'b2', 'b3', 'b4'];
    for (const b of buyers) await makeOnOrderDelivered({ eligibility: ctx.eligibility })(delivered(b, [P1, P2]));
    const ids: string[] = [];
    for (const b of buyers) ids.push((await ctx.create({ productId: P1, rating: 5, body: `by ${b}` }, { tenantId: 't1', userId: b })).id);
    const other = await ctx.create({ productId: P2, rating: 2, body: 'other product' }, { tenantId: 't1', userId: 'b1' });
    await ctx.moderate(staff, ids[0]!, 1, { decision: 'approved' });
    await ctx.moderate(staff, ids[1]!, 1, { decision: 'approved' });
    await ctx.moderate(staff, ids[2]!, 1, { decision: 'rejected' });
    await ctx.moderate(staff, other.id, 1, { decision: 'approved' });
    return { ...ctx, ids, other };
  };

  it("shows customers a product's approved reviews only, newest first, without authors", async () => {
    const { list, ids } = await populated();
    const page = await list('t1', { userId: 'b9', staff: false }, { productId: P1, limit: 20 });
    expect(page.items.map((r) => r.id)).toEqual([ids[1], ids[0]]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).not.toHaveProperty('buyerId');
    expect((await list('t1', { userId: 'b9', staff: false }, { productId: P1, status: 'approved', limit: 20 })).items).toHaveLength(2);
    expect((await list('t1', { userId: 'b9', staff: false }, { limit: 20 })).items).toHaveLength(3);
    expect((await list('t2', { userId: 'b9', staff: false }, { productId: P1, limit: 20 })).items).toEqual([]);
  });

  it('refuses customers a status other than approved (403 review_status_forbidden)', async () => {
    const { list } = await populated();
    expect(await caught(list('t1', { userId: 'b1', staff: false }, { status: 'pending', limit: 20 }))).toMatchObject({
      status: 403,
      code: 'review_status_forbidden',
    });
  });

  it('lets staff filter by status and pages with an opaque cursor', async () => {
    const { list, ids } = await populated();
    const viewer = { userId: 'staff-1', staff: true };
    expect((await list('t1', viewer, { productId: P1, status: 'pending', limit: 20 })).items.map((r) => r.id)).toEqual([ids[3]]);
    expect((await list('t1', viewer, { productId: P1, status: 'rejected', limit: 20 })).items.map((r) => r.buyerId)).toEqual(['b3']);
    const first = await list('t1', viewer, { productId: P1, limit: 3 });
    expect(first.items.map((r) => r.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(decodeCursor(first.nextCursor!)).toBe(ids[1]);
    const second = await list('t1', viewer, { productId: P1, limit: 3, cursor: first.nextCursor! });
    expect(second).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
  });
});

describe('review-on-review-moderated', () => {
  const moderated = (reviewId: string, decision: 'approved' | 'rejected', version: number, rating = 4, tenantId = 't1', previous = 'pending' as const) =>
    event('review.review.moderated.v1', { reviewId, productId: P1, buyerId: 'b', rating, decision, previous, version }, tenantId);

  const setupRatings = () => {
    const ratings = memoryRatingStore();
    const nudged: string[] = [];
    return { ratings, nudged, apply: makeOnReviewModerated({ ratings, nudge: (id) => void nudged.push(id) }) };
  };

  it('keeps sum and count, emitting review.rating.updated with a rising version in the same write', async () => {
    const { ratings, nudged, apply } = setupRatings();
    const first = moderated('r1', 'approved', 2, 5);
    expect(await apply(first)).toBe('updated');
    expect(await apply(moderated('r2', 'approved', 2, 3))).toBe('updated');
    expect(await apply(moderated('r1', 'rejected', 3, 5))).toBe('updated');
    expect(ratings.rows.get(ratingIdOf('t1', P1))).toMatchObject({ sum: 3, count: 1, version: 3 });
    expect(ratings.outbox.map((e) => JSON.parse(e.data))).toEqual([
      { productId: P1, ratingSum: 5, ratingCount: 1, version: 1 },
      { productId: P1, ratingSum: 8, ratingCount: 2, version: 2 },
      { productId: P1, ratingSum: 3, ratingCount: 1, version: 3 },
    ]);
    expect(ratings.outbox[0]).toMatchObject({
      type: 'review.rating.updated.v1',
      subject: P1,
      tenantId: 't1',
      correlationId: first.correlationId,
      causationId: first.id,
    });
    expect(nudged).toEqual([`t1:${P1}`, `t1:${P1}`, `t1:${P1}`]);
  });

  it('redelivery and stale moderations change nothing and emit nothing; a pending rejection emits nothing', async () => {
    const { ratings, apply } = setupRatings();
    const approval = moderated('r1', 'approved', 2);
    await apply(approval);
    expect(await apply(approval)).toBe('already-applied');
    expect(await apply({ ...approval, id: uuidv7() })).toBe('already-applied');
    expect(await apply(moderated('r2', 'rejected', 2))).toBe('unchanged');
    expect(ratings.rows.get(ratingIdOf('t1', P1))).toMatchObject({ sum: 4, count: 1, version: 1, rev: 2 });
    expect(ratings.outbox).toHaveLength(1);
  });

  it('keeps tenants apart', async () => {
    const { ratings, apply } = setupRatings();
    await apply(moderated('r1', 'approved', 2, 5, 't1'));
    await apply(moderated('r1', 'approved', 2, 1, 't2'));
    expect(ratings.rows.get(ratingIdOf('t1', P1))).toMatchObject({ sum: 5, count: 1 });
    expect(ratings.rows.get(ratingIdOf('t2', P1))).toMatchObject({ sum: 1, count: 1 });
  });

  it('retries when another moderation of the product wrote first, counting both', async () => {
    const { ratings, apply } = setupRatings();
    ratings.interleave = async () => void (await apply(moderated('r2', 'approved', 2, 2)));
    expect(await apply(moderated('r1', 'approved', 2, 5))).toBe('updated');
    expect(ratings.rows.get(ratingIdOf('t1', P1))).toMatchObject({ sum: 7, count: 2, version: 2 });
    expect(ratings.outbox.map((e) => JSON.parse(e.data).version)).toEqual([1, 2]);
  });

  it('gives up with a retryable 503 when it never wins the write', async () => {
    const ratings = memoryRatingStore();
    const apply = makeOnReviewModerated({ ratings: { ...ratings, write: async () => false }, nudge: () => undefined }, 3);
    expect(await caught(apply(moderated('r1', 'approved', 2)))).toMatchObject({ status: 503, code: 'rating_busy' });
  });
});
