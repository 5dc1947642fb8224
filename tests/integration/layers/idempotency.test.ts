import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import middy from '@middy/core';
import IORedis, { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../../layers/auth/types';
import { httpErrors } from '../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../layers/http/types';
import { RedisIdempotencyStore, idempotency, scopedKey, type IdempotencyRecord } from '../../../layers/idempotency';
import { functionContext, httpEvent } from '../../unit/layers/http/fixtures';

let client: Redis;
const prefix = `test:idem:${randomUUID()}:`;
let store: RedisIdempotencyStore;

beforeAll(async () => {
  client = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  await client.connect();
  store = new RedisIdempotencyStore({ redis: async () => client, keyPrefix: prefix });
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
});

const alice: Actor = { userId: 'alice', tenantId: 'tenant-a', roles: ['customer'], level: 10 };

const stack = (handler: (event: HttpEvent) => Promise<HttpResponse>) => {
  const spy = vi.fn(handler);
  const run = middy<HttpEvent, HttpResponse, Error, FunctionContext>().use(httpErrors()).use(idempotency({ store })).handler(spy);
  const call = (key: string, body: unknown) =>
    run(
      httpEvent({ path: '/orders', body, headers: { 'idempotency-key': key } }),
      functionContext({ functionName: 'orders-create', actor: alice, tenantId: alice.tenantId, requestId: randomUUID() }),
    );
  return { call, spy };
};

const createOrder = async (event: HttpEvent): Promise<HttpResponse> => {
  await sleep(50);
  return { statusCode: 201, headers: { location: '/orders/o1' }, body: { id: 'o1', order: event.body } };
};

const storedKey = (key: string) => prefix + scopedKey({ functionName: 'orders-create', tenantId: 'tenant-a', userId: 'alice', key });

describe('idempotency on Redis', () => {
  it('runs once, replays, refuses another body, and keeps the record 24 hours', async () => {
    const { call, spy } = stack(createOrder);
    const key = randomUUID();
    const first = await call(key, { sku: 'a', qty: 1 });
    expect(first).toEqual({ statusCode: 201, headers: { location: '/orders/o1' }, body: { id: 'o1', order: { sku: 'a', qty: 1 } } });
    expect(await call(key, { qty: 1, sku: 'a' })).toEqual({ ...first, headers: { location: '/orders/o1', 'idempotent-replayed': 'true' } });
    expect(await call(key, { sku: 'a', qty: 2 })).toMatchObject({ statusCode: 422, body: { code: 'idempotency_key_reused' } });
    expect(spy).toHaveBeenCalledTimes(1);
    const ttl = await client.pttl(storedKey(key));
    expect(ttl).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
    expect(JSON.parse((await client.get(storedKey(key)))!)).toMatchObject({ status: 'completed', response: first });
  });

  it('runs the handler exactly once for concurrent requests with the same key', async () => {
    const { call, spy } = stack(createOrder);
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 12 }, () => call(key, { sku: 'b', qty: 3 })));
    expect(spy).toHaveBeenCalledTimes(1);
    const ran = responses.filter((r) => r.statusCode === 201 && !r.headers['idempotent-replayed']);
    const others = responses.filter((r) => r !== ran[0]);
    expect(ran).toHaveLength(1);
    for (const response of others) {
      if (response.statusCode === 409) expect(response.body).toMatchObject({ code: 'idempotency_in_progress' });
      else expect(response).toEqual({ ...ran[0], headers: { ...ran[0]!.headers, 'idempotent-replayed': 'true' } });
    }
    expect(others.some((r) => r.statusCode === 409)).toBe(true);
  });

  it('holds an in-flight key with a short TTL and frees it when the handler fails', async () => {
    let ttlWhileRunning = 0;
    const key = randomUUID();
    const { call, spy } = stack(async () => {
      ttlWhileRunning = await client.pttl(storedKey(key));
      throw new Error('database exploded');
    });
    expect((await call(key, { sku: 'c' })).statusCode).toBe(500);
    expect(ttlWhileRunning).toBeGreaterThan(25_000);
    expect(ttlWhileRunning).toBeLessThanOrEqual(30_000);
    expect(await client.exists(storedKey(key))).toBe(0);
    await call(key, { sku: 'c' });
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe('RedisIdempotencyStore', () => {
  const record = (key: string, expiresAt: number): IdempotencyRecord => ({ key, status: 'in_progress', payloadHash: 'h', expiresAt });

  it('puts if absent, returns the live record otherwise, and deletes', async () => {
    const key = randomUUID();
    const live = record(key, Date.now() + 10_000);
    expect(await store.putIfAbsent(live)).toBeUndefined();
    expect(await store.putIfAbsent({ ...live, payloadHash: 'other' })).toEqual(live);
    expect(await store.get(key)).toEqual(live);
    await store.update({ ...live, status: 'completed', response: { statusCode: 200, headers: {} } });
    expect(await store.get(key)).toMatchObject({ status: 'completed' });
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
  });

  it('takes over a record whose expiry passed before Redis dropped it, and ignores unreadable ones', async () => {
    const key = randomUUID();
    await client.set(prefix + key, JSON.stringify(record(key, Date.now() - 1)), 'PX', 60_000);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.putIfAbsent(record(key, Date.now() + 5_000))).toBeUndefined();
    const corrupt = randomUUID();
    await client.set(prefix + corrupt, '{not json', 'PX', 60_000);
    expect(await store.get(corrupt)).toBeUndefined();
    expect(await store.putIfAbsent(record(corrupt, Date.now() + 5_000))).toBeUndefined();
    expect(await store.get(corrupt)).toMatchObject({ status: 'in_progress' });
  });
});
