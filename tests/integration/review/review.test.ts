import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { orderDelivered } from '../../../functions/orders/events';
import { createTokenSigner } from '../../../layers/auth';
import type { Role } from '../../../layers/auth/types';
import { closeConnections, serviceDb } from '../../../layers/connections';
import { attributesOf, toHeaders } from '../../../layers/events/cloudevent';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';

type Mod = Parameters<typeof invoke>[0];
interface Review {
  id: string;
  productId: string;
  rating: number;
  status: string;
  version: number;
  buyerId?: string;
}

let as: (tenantId: string, userId: string, roles?: Role[]) => Promise<string>;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  const keys = await useTestKeys();
  const signer = createTokenSigner({
    privateJwk: keys.key.privateJwk,
    kid: keys.key.kid,
    issuer: 'https://auth.marketplace.local',
    audience: 'marketplace-api',
    ttlSeconds: 600,
  });
  as = (tenantId, userId, roles = ['customer']) => signer.sign({ sub: userId, tid: tenantId, roles });
  // Imported after the test keys are set: each function reads its configuration at load.
  const modules = {
    create: import('../../../functions/review/create'),
    moderate: import('../../../functions/review/moderate'),
    list: import('../../../functions/review/list'),
    'on-order-delivered': import('../../../functions/review/on-order-delivered'),
    'on-review-moderated': import('../../../functions/review/on-review-moderated'),
    'products-on-rating-updated': import('../../../functions/products/on-rating-updated'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(closeConnections);

/** What the trigger connector POSTs for an event: binary-mode CloudEvent headers and the data. */
const deliver = (fn: string, entry: OutboxEntry) =>
  invoke<{ status?: string; code?: string }>(fns[fn]!, {
    method: 'POST',
    headers: { ...toHeaders(attributesOf(entry), 'ce-'), 'x-topic': entry.topic },
    body: JSON.parse(entry.data),
  });

const deliveredOrder = (tenantId: string, buyerId: string, productIds: string[]) =>
  orderDelivered.create({
    subject: uuidv7(),
    tenantId,
    source: 'orders-deliver',
    data: {
      orderId: uuidv7(),
      buyerId,
      storeId: null,
      lines: productIds.map((productId) => ({ productId, sku: 'BASE', name: 'Mug', quantity: 1, unitPrice: 1200, lineTotal: 1200 })),
      currency: 'EUR',
      total: 1200 * productIds.length,
      email: 'buyer@example.com',
      version: 5,
    },
  });

const create = async (tenantId: string, buyerId: string, body: Record<string, unknown>, headers = idempotencyKey()) =>
  invoke<Review & { code?: string; reviewId?: string }>(fns.create!, { method: 'POST', token: await as(tenantId, buyerId), body, headers });

const moderate = async (tenantId: string, id: string, version: number, decision: string, roles: Role[] = ['staff']) =>
  invoke<Review & { code?: string }>(fns.moderate!, {
    method: 'POST',
    path: `/${id}`,
    token: await as(tenantId, 'moderator-1', roles),
    body: { decision },
    headers: { 'if-match': `"${version}"` },
  });

const list = async (tenantId: string, query: Record<string, string>, roles: Role[] = ['customer'], userId = 'reader-1') =>
  invoke<{ items: Review[]; nextCursor: string | null; code?: string }>(fns.list!, { token: await as(tenantId, userId, roles), query });

const collection = async (name: string) => (await serviceDb('review')).collection<{ _id: string; outbox: OutboxEntry[] } & Record<string, unknown>>(name);

/** The events still in a document's outbox (no relay drains them in this test's database). */
const outboxOf = async (name: string, id: string): Promise<OutboxEntry[]> => (await (await collection(name)).findOne({ _id: id }))?.outbox ?? [];

const eligible = async (tenantId: string, buyerId: string, productIds: string[]) => {
  expect((await deliver('on-order-delivered', deliveredOrder(tenantId, buyerId, productIds))).body).toEqual({ status: 'processed' });
};

describe('review handlers and consumers on FerretDB', () => {
  it('a buyer reviews a product only after its delivery, once; the Idempotency-Key replays the first answer', async () => {
    const tenant = `t-${uuidv7()}`;
    const product = uuidv7();
    const body = { productId: product, rating: 5, title: 'Lovely', body: 'Keeps tea hot.' };
    expect(await create(tenant, 'buyer-1', body)).toMatchObject({ status: 403, body: { code: 'review_not_eligible' } });

    const order = deliveredOrder(tenant, 'buyer-1', [product, uuidv7()]);
    expect((await deliver('on-order-delivered', order)).body).toEqual({ status: 'processed' });
    expect((await deliver('on-order-delivered', order)).body).toEqual({ status: 'duplicate' });
    // Another tenant's buyer with the same id is not eligible there.
    expect(await create(`t-${uuidv7()}`, 'buyer-1', body)).toMatchObject({ status: 403, body: { code: 'review_not_eligible' } });

    const key = idempotencyKey();
    const first = await create(tenant, 'buyer-1', body, key);
    expect(first).toMatchObject({ status: 201, body: { productId: product, rating: 5, status: 'pending', version: 1, buyerId: 'buyer-1' } });
    expect(first.headers.etag).toBe('"1"');
    const replay = await create(tenant, 'buyer-1', body, key);
    expect(replay).toMatchObject({ status: 201, body: { id: first.body.id } });
    expect(await create(tenant, 'buyer-1', { ...body, rating: 1 }, key)).toMatchObject({ status: 422 });
    expect(await create(tenant, 'buyer-1', { ...body, rating: 1 })).toMatchObject({ status: 409, body: { code: 'review_exists', reviewId: first.body.id } });

    const events = await outboxOf('reviews', first.body.id);
    expect(events.map((e) => e.type)).toEqual(['review.review.created.v1']);
    expect(JSON.parse(events[0]!.data)).toEqual({ reviewId: first.body.id, productId: product, buyerId: 'buyer-1', rating: 5 });
  });

  it('refuses bad input with 400 and writes nothing', async () => {
    const tenant = `t-${uuidv7()}`;
    const product = uuidv7();
    await eligible(tenant, 'buyer-1', [product]);
    for (const body of [
      { productId: product, rating: 0, body: 'x' },
      { productId: product, rating: 6, body: 'x' },
      { productId: product, rating: 4.5, body: 'x' },
      { productId: product, rating: 4, body: 'x'.repeat(5001) },
      { productId: product, rating: 4 },
      { productId: { $ne: null }, rating: 4, body: 'x' },
      { productId: product, rating: 4, body: 'x', status: 'approved' },
    ]) {
      expect((await create(tenant, 'buyer-1', body)).status).toBe(400);
    }
    expect((await list(tenant, {}, ['staff'])).body.items).toEqual([]);
  });

  it('one review however many requests race (the unique index on FerretDB)', async () => {
    const tenant = `t-${uuidv7()}`;
    const product = uuidv7();
    await eligible(tenant, 'buyer-1', [product]);
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => create(tenant, 'buyer-1', { productId: product, rating: 1 + (i % 5), body: `take ${i}` })),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 409).every((r) => r.body.code === 'review_exists')).toBe(true);
    expect(replies.filter((r) => r.status === 409)).toHaveLength(7);
    expect((await list(tenant, { productId: product }, ['staff'])).body.items).toHaveLength(1);
  });

  it('moderation takes If-Match, refuses stale versions and repeats, and stays in its tenant', async () => {
    const tenant = `t-${uuidv7()}`;
    const product = uuidv7();
    await eligible(tenant, 'buyer-1', [product]);
    const { body: review } = await create(tenant, 'buyer-1', { productId: product, rating: 4, body: 'Fine' });

    expect(await moderate(tenant, review.id, 1, 'approved', ['customer'])).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
    expect(await moderate(`t-${uuidv7()}`, review.id, 1, 'approved', ['owner'])).toMatchObject({ status: 404 });
    const missing = await invoke(fns.moderate!, {
      method: 'POST',
      path: `/${review.id}`,
      token: await as(tenant, 's', ['staff']),
      body: { decision: 'approved' },
    });
    expect(missing.status).toBe(400);
    expect(await moderate(tenant, review.id, 2, 'approved')).toMatchObject({ status: 412 });

    const approved = await moderate(tenant, review.id, 1, 'approved');
    expect(approved).toMatchObject({ status: 200, body: { status: 'approved', version: 2, buyerId: 'buyer-1' } });
    expect(approved.headers.etag).toBe('"2"');
    expect(await moderate(tenant, review.id, 2, 'approved')).toMatchObject({ status: 409, body: { code: 'illegal_transition', currentStatus: 'approved' } });
    expect(await moderate(tenant, review.id, 1, 'rejected')).toMatchObject({ status: 412 });

    const events = await outboxOf('reviews', review.id);
    expect(events.map((e) => e.type)).toEqual(['review.review.created.v1', 'review.review.moderated.v1']);
    expect(JSON.parse(events[1]!.data)).toMatchObject({ decision: 'approved', previous: 'pending', version: 2 });
  });

  it('lists approved reviews to customers and any status to staff, newest first, page by page', async () => {
    const tenant = `t-${uuidv7()}`;
    const product = uuidv7();
    const ids: string[] = [];
    for (const buyer of ['b1', 'b2', 'b3', 'b4', 'b5']) {
      await eligible(tenant, buyer, [product]);
      ids.push((await create(tenant, buyer, { productId: product, rating: 3, body: `from ${buyer}` })).body.id);
    }
    for (const id of ids.slice(0, 3)) expect((await moderate(tenant, id, 1, 'approved')).status).toBe(200);
    expect((await moderate(tenant, ids[3]!, 1, 'rejected')).status).toBe(200);

    const customers = await list(tenant, { productId: product });
    expect(customers.body.items.map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(customers.body.items[0]).not.toHaveProperty('buyerId');
    expect(await list(tenant, { productId: product, status: 'pending' })).toMatchObject({ status: 403, body: { code: 'review_status_forbidden' } });

    const pending = await list(tenant, { productId: product, status: 'pending' }, ['staff']);
    expect(pending.body.items.map((r) => [r.id, r.buyerId])).toEqual([[ids[4], 'b5']]);
    const first = await list(tenant, { productId: product, limit: '2' }, ['staff']);
    expect(first.body.items.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    const second = await list(tenant, { productId: product, limit: '2', cursor: first.body.nextCursor! }, ['staff']);
    const third = await list(tenant, { productId: product, limit: '2', cursor: second.body.nextCursor! }, ['staff']);
    expect([...second.body.items, ...third.body.items].map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(third.body.nextCursor).toBeNull();
    expect((await list(`t-${uuidv7()}`, { productId: product }, ['owner'])).body.items).toEqual([]);
  });

  it('keeps the rating as sum and count through approvals, a reversal and redeliveries; the product read model follows', async () => {
    const tenant = `t-${uuidv7()}`;
    const product = uuidv7();
    const reviews: Review[] = [];
    for (const [buyer, rating] of [
      ['b1', 5],
      ['b2', 2],
    ] as const) {
      await eligible(tenant, buyer, [product]);
      reviews.push((await create(tenant, buyer, { productId: product, rating, body: 'ok' })).body);
    }
    await moderate(tenant, reviews[0]!.id, 1, 'approved');
    await moderate(tenant, reviews[1]!.id, 1, 'approved');
    await moderate(tenant, reviews[0]!.id, 2, 'rejected');
    const moderations = [...(await outboxOf('reviews', reviews[0]!.id)), ...(await outboxOf('reviews', reviews[1]!.id))].filter(
      (e) => e.type === 'review.review.moderated.v1',
    );
    expect(moderations).toHaveLength(3);

    // In event order, each delivered twice; and the first approval once more under a new event id (a replay).
    const byTime = [...moderations].sort((a, b) => a.id.localeCompare(b.id));
    for (const entry of byTime) {
      expect((await deliver('on-review-moderated', entry)).body).toEqual({ status: 'processed' });
      expect((await deliver('on-review-moderated', entry)).body).toEqual({ status: 'duplicate' });
    }
    expect((await deliver('on-review-moderated', { ...byTime[0]!, id: uuidv7() })).body).toEqual({ status: 'processed' });

    const ratingId = `${tenant}:${product}`;
    const rating = await (await collection('ratings')).findOne({ _id: ratingId });
    expect(rating).toMatchObject({ tenantId: tenant, productId: product, sum: 2, count: 1, version: 3 });
    const updates = await outboxOf('ratings', ratingId);
    expect(updates.map((e) => JSON.parse(e.data))).toEqual([
      { productId: product, ratingSum: 5, ratingCount: 1, version: 1 },
      { productId: product, ratingSum: 7, ratingCount: 2, version: 2 },
      { productId: product, ratingSum: 2, ratingCount: 1, version: 3 },
    ]);
    expect(updates.every((e) => e.subject === product && e.tenantId === tenant)).toBe(true);

    // products-on-rating-updated, given the updates out of order, ends on the latest.
    for (const entry of [updates[2]!, updates[0]!, updates[1]!]) expect((await deliver('products-on-rating-updated', entry)).status).toBe(200);
    const { viewStore } = await import('../../../functions/products/read-model');
    expect((await (await viewStore()).read(tenant, product))?.rating).toEqual({ sum: 2, count: 1, version: 3 });
  });

  it('aggregates concurrent moderations of one product without losing one', async () => {
    const tenant = `t-${uuidv7()}`;
    const product = uuidv7();
    const ids: string[] = [];
    for (const buyer of ['b1', 'b2', 'b3', 'b4', 'b5', 'b6']) {
      await eligible(tenant, buyer, [product]);
      ids.push((await create(tenant, buyer, { productId: product, rating: 4, body: 'ok' })).body.id);
    }
    await Promise.all(ids.map((id) => moderate(tenant, id, 1, 'approved')));
    const entries = (await Promise.all(ids.map((id) => outboxOf('reviews', id)))).flat().filter((e) => e.type === 'review.review.moderated.v1');
    expect(entries).toHaveLength(6);
    const replies = await Promise.all(entries.map((entry) => deliver('on-review-moderated', entry)));
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(200));
    const rating = await (await collection('ratings')).findOne({ _id: `${tenant}:${product}` });
    expect(rating).toMatchObject({ sum: 24, count: 6, version: 6 });
    expect((await outboxOf('ratings', `${tenant}:${product}`)).map((e) => JSON.parse(e.data).version)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
