import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../../../layers/auth/types';
import { ConflictError, NotFoundError } from '../../../../layers/errors';
import { httpErrors } from '../../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../../layers/http/types';
import { IdempotencyStore, MemoryIdempotencyStore, idempotency, scopedKey, type IdempotencyRecord } from '../../../../layers/idempotency';
import { functionContext, httpEvent } from '../http/fixtures';

afterEach(() => vi.useRealTimers());

const alice: Actor = { userId: 'alice', tenantId: 'tenant-a', roles: ['customer'], level: 10 };
const bob: Actor = { userId: 'bob', tenantId: 'tenant-a', roles: ['customer'], level: 10 };

type Handler = (event: HttpEvent, context: FunctionContext) => Promise<HttpResponse>;

const created: Handler = async (event, context) => ({
  statusCode: 201,
  headers: { location: '/orders/o1' },
  body: { id: 'o1', echo: event.body, key: context.idempotencyKey },
});

const stack = (store: IdempotencyStore, handler: Handler = created, opts = {}) => {
  const spy = vi.fn(handler);
  const run = middy<HttpEvent, HttpResponse, Error, FunctionContext>()
    .use(httpErrors())
    .use(idempotency({ store, ...opts }))
    .handler(spy);
  const call = (
    key: string | undefined,
    body: unknown = { sku: 'a', qty: 1 },
    who: Actor = alice,
    extra: Partial<HttpEvent> = {},
    ctx: Partial<FunctionContext> = {},
  ) =>
    run(
      httpEvent({ path: '/orders', body, headers: key === undefined ? {} : { 'idempotency-key': key }, ...extra }),
      functionContext({ functionName: 'orders-create', actor: who, tenantId: who.tenantId, ...ctx }),
    );
  return { call, spy };
};

const problem = (status: number, title: string, code: string, detail: string) => ({
  statusCode: status,
  headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  body: { type: `https://docs.marketplace.dev/problems/${code}`, title, status, detail, instance: 'urn:request:req-1', code },
});

const deferred = () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { gate, release };
};

describe('idempotency middleware', () => {
  it('requires the Idempotency-Key header', async () => {
    const { call, spy } = stack(new MemoryIdempotencyStore());
    expect(await call(undefined)).toEqual(problem(400, 'Bad Request', 'idempotency_key_missing', 'This operation requires an idempotency-key header.'));
    expect((await call('')).body).toMatchObject({ code: 'idempotency_key_missing' });
    expect(spy).not.toHaveBeenCalled();
  });

  it.each([['has space'], ['x'.repeat(256)], ['ümlaut'], ['a/b']])('refuses the malformed key %s', async (key) => {
    const { call, spy } = stack(new MemoryIdempotencyStore());
    expect(await call(key)).toEqual(
      problem(400, 'Bad Request', 'idempotency_key_invalid', 'The idempotency-key header must be 1 to 255 characters of letters, digits and _-:.'),
    );
    expect(spy).not.toHaveBeenCalled();
  });

  it('runs the first request and replays it for the same key and body, without running the handler', async () => {
    const store = new MemoryIdempotencyStore();
    const { call, spy } = stack(store);
    const key = scopedKey({ functionName: 'orders-create', tenantId: 'tenant-a', userId: 'alice', key: 'k-1' });
    const first = await call('k-1', { sku: 'a', qty: 1 });
    expect(first).toEqual({ statusCode: 201, headers: { location: '/orders/o1' }, body: { id: 'o1', echo: { sku: 'a', qty: 1 }, key } });
    const again = await call('k-1', { qty: 1, sku: 'a' });
    expect(again).toEqual({ ...first, headers: { location: '/orders/o1', 'idempotent-replayed': 'true' } });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(store.records.get(key)).toMatchObject({ status: 'completed', response: first });
  });

  it('answers 422 when the key is reused with another body, method or path', async () => {
    const { call, spy } = stack(new MemoryIdempotencyStore());
    await call('k-2', { sku: 'a', qty: 1 });
    const reused = problem(422, 'Unprocessable Content', 'idempotency_key_reused', 'This idempotency key was already used with a different request.');
    expect(await call('k-2', { sku: 'a', qty: 2 })).toEqual(reused);
    expect(await call('k-2', { sku: 'a', qty: 1 }, alice, { path: '/orders/other' })).toEqual(reused);
    expect(await call('k-2', { sku: 'a', qty: 1 }, alice, { method: 'PUT' })).toEqual(reused);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('answers 409 while the first request is in flight, then replays once it completed', async () => {
    const { gate, release } = deferred();
    const { call, spy } = stack(new MemoryIdempotencyStore(), async (event, context) => {
      await gate;
      return created(event, context);
    });
    const first = call('k-3');
    await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(1));
    expect(await call('k-3')).toEqual(
      problem(409, 'Conflict', 'idempotency_in_progress', 'A request with this idempotency key is still being processed; retry later.'),
    );
    release();
    expect((await first).statusCode).toBe(201);
    expect((await call('k-3')).headers).toMatchObject({ 'idempotent-replayed': 'true' });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('scopes keys per user and tenant', async () => {
    const { call, spy } = stack(new MemoryIdempotencyStore());
    await call('shared');
    expect((await call('shared', undefined, bob)).headers).not.toHaveProperty('idempotent-replayed');
    expect((await call('shared', undefined, { ...alice, tenantId: 'tenant-b' })).headers).not.toHaveProperty('idempotent-replayed');
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('frees the key when the handler fails unexpectedly, so a retry runs', async () => {
    const store = new MemoryIdempotencyStore();
    let fail = true;
    const { call, spy } = stack(store, async (event, context) => {
      if (fail) throw new Error('database exploded');
      return created(event, context);
    });
    expect(await call('k-4')).toMatchObject({ statusCode: 500, body: { code: 'internal_error' } });
    expect(store.records.size).toBe(0);
    fail = false;
    expect((await call('k-4')).statusCode).toBe(201);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('keeps a client-error problem as the final answer and replays it', async () => {
    const { call, spy } = stack(new MemoryIdempotencyStore(), async () => {
      throw new NotFoundError('product', 'p9');
    });
    const first = await call('k-5');
    expect(first).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: {
        type: 'https://docs.marketplace.dev/problems/not_found',
        title: 'Not Found',
        status: 404,
        detail: 'No product with id p9.',
        instance: 'urn:request:req-1',
        code: 'not_found',
        resource: 'product',
      },
    });
    expect(await call('k-5')).toEqual({ ...first, headers: { ...first.headers, 'idempotent-replayed': 'true' } });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a thrown 409', async () => Promise.reject(new ConflictError('busy'))],
    ['a returned 429', async () => ({ statusCode: 429, headers: {} })],
    ['a returned 503', async () => ({ statusCode: 503, headers: {} })],
  ])('frees the key after %s', async (_name, handler) => {
    const store = new MemoryIdempotencyStore();
    const { call, spy } = stack(store, handler as Handler);
    await call('k-6');
    await call('k-6');
    expect(spy).toHaveBeenCalledTimes(2);
    expect(store.records.size).toBe(0);
  });

  it('keeps completed responses for 24 hours', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const { call, spy } = stack(new MemoryIdempotencyStore());
    await call('k-7');
    vi.setSystemTime(new Date('2030-01-01T23:59:59Z'));
    expect((await call('k-7')).headers).toHaveProperty('idempotent-replayed', 'true');
    vi.setSystemTime(new Date('2030-01-02T00:00:00Z'));
    expect((await call('k-7')).headers).not.toHaveProperty('idempotent-replayed');
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('holds an in-flight key for the remaining invocation time, then lets a retry take it over', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const store = new MemoryIdempotencyStore();
    const key = scopedKey({ functionName: 'orders-create', tenantId: 'tenant-a', userId: 'alice', key: 'k-8' });
    let held: IdempotencyRecord | undefined;
    const { call } = stack(store, async (event, context) => {
      held = await store.get(key);
      return created(event, context);
    });
    await call('k-8', undefined, alice, {}, { getRemainingTimeInMillis: () => 5_000 });
    expect(held).toMatchObject({ status: 'in_progress', expiresAt: Date.parse('2030-01-01T00:00:05Z') });

    // A crashed invocation leaves its record in progress: it blocks retries until it expires.
    await store.delete(key);
    const { call: retry, spy } = stack(store);
    await store.putIfAbsent({ key, status: 'in_progress', payloadHash: held!.payloadHash, expiresAt: Date.now() + 30_000 });
    expect((await retry('k-8')).statusCode).toBe(409);
    vi.setSystemTime(new Date('2030-01-01T00:00:31Z'));
    expect((await retry('k-8')).statusCode).toBe(201);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('uses the configured in-flight hold when the context tells no remaining time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const store = new MemoryIdempotencyStore();
    const put = vi.spyOn(store, 'putIfAbsent');
    await stack(store, created, { inProgressTtlMs: 12_000 }).call('k-9');
    expect(put.mock.calls[0]![0]).toMatchObject({ status: 'in_progress', expiresAt: Date.parse('2030-01-01T00:00:12Z') });
  });

  it('answers 503 when the store is unreachable, without running the handler', async () => {
    const store = new MemoryIdempotencyStore();
    vi.spyOn(store, 'putIfAbsent').mockRejectedValue(new Error('ECONNREFUSED'));
    const { call, spy } = stack(store);
    expect(await call('k-10')).toMatchObject({
      statusCode: 503,
      headers: { 'retry-after': '1' },
      body: { code: 'idempotency_unavailable', detail: 'Idempotency records are unavailable; retry later.' },
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it('still answers when the record cannot be completed, and logs it', async () => {
    const store = new MemoryIdempotencyStore();
    vi.spyOn(store, 'update').mockRejectedValue(new Error('READONLY'));
    const warn = vi.fn();
    const { call } = stack(store);
    const response = await call('k-11', undefined, alice, {}, { log: { warn } as unknown as FunctionContext['log'] });
    expect(response.statusCode).toBe(201);
    expect(warn).toHaveBeenCalledWith({ err: expect.any(Error) }, 'idempotency record could not be finished');
  });

  it('refuses non-positive TTLs at construction', () => {
    expect(() => idempotency({ completedTtlMs: 0 })).toThrow(TypeError);
    expect(() => idempotency({ inProgressTtlMs: -1 })).toThrow(TypeError);
  });
});
