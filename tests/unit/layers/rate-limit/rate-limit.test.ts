import middy from '@middy/core';
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../../../layers/auth/types';
import { httpErrors } from '../../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../../layers/http/types';
import { bucketArgs, bucketKeys, bucketTtlMs, parseDecision, rateLimit, retryAfterSeconds, type RateLimitOptions } from '../../../../layers/rate-limit';
import { functionContext, httpEvent } from '../http/fixtures';

const actor: Actor = { userId: 'u1', tenantId: 't1', roles: ['staff'], level: 40 };

/** A client standing in for ioredis: the defined command answers with `reply`, recording its arguments. */
const fakeRedis = (reply: unknown) => {
  const calls: unknown[][] = [];
  const client = {
    defineCommand: vi.fn((name: string) => {
      (client as Record<string, unknown>)[name] = async (...args: unknown[]) => {
        calls.push(args);
        if (reply instanceof Error) throw reply;
        return reply;
      };
    }),
  };
  return { client: client as unknown as Redis, calls, redis: async () => client as unknown as Redis };
};

const call = (opts: Partial<RateLimitOptions>, context: Partial<FunctionContext> = { actor, tenantId: 't1' }, headers: Record<string, string> = {}) =>
  middy<HttpEvent, HttpResponse, Error, FunctionContext>()
    .use(httpErrors())
    .use(rateLimit(opts))
    .handler(async () => ({ statusCode: 200, headers, body: { ok: true } }))(httpEvent({ sourceIp: '203.0.113.9' }), functionContext(context));

describe('rate-limit pure parts', () => {
  it('builds one key per scope that has a value, in scope order', () => {
    const options = { scopes: ['tenant', 'user', 'ip'] as const, keyPrefix: 'rl:' };
    expect(bucketKeys({ ...options, scopes: [...options.scopes] }, httpEvent({ sourceIp: '10.0.0.1' }), functionContext({ actor, tenantId: 't1' }))).toEqual([
      ['tenant', 'rl:tenant:t1'],
      ['user', 'rl:user:u1'],
      ['ip', 'rl:ip:10.0.0.1'],
    ]);
    expect(bucketKeys({ ...options, scopes: [...options.scopes] }, httpEvent(), functionContext())).toEqual([]);
    expect(bucketKeys({ scopes: ['ip'], keyPrefix: 'rl:login:' }, httpEvent({ sourceIp: 'x'.repeat(300) }), functionContext())[0]![1]).toHaveLength(
      'rl:login:ip:'.length + 128,
    );
  });

  it('parses the script reply', () => {
    expect(parseDecision([1, 0, 0, 41])).toEqual({ allowed: true, emptiestIndex: 0, retryAfterMs: 0, remaining: 41 });
    expect(parseDecision([1, 3, 0, 2])).toEqual({ allowed: true, emptiestIndex: 2, retryAfterMs: 0, remaining: 2 });
    expect(parseDecision([0, 2, 1500, 0])).toEqual({ allowed: false, emptyIndex: 1, retryAfterMs: 1500, remaining: 0 });
    expect(() => parseDecision('OK')).toThrow(TypeError);
  });

  it('rounds Retry-After up to whole seconds, at least one', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(20)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
  });

  it('keeps a bucket as long as it takes to refill, plus a second', () => {
    expect(bucketTtlMs({ capacity: 100, refillPerSecond: 50 })).toBe(3000);
    expect(bucketTtlMs({ capacity: 5, refillPerSecond: 0.1 })).toBe(51_000);
  });

  it('sends one settings triple when every bucket shares it, one per key otherwise', () => {
    const free = { capacity: 600, refillPerSecond: 10 };
    const defaults = { capacity: 100, refillPerSecond: 50 };
    expect(bucketArgs(3, defaults)).toEqual([100, 50, 3000]);
    expect(bucketArgs(2, [defaults, { ...defaults }])).toEqual([100, 50, 3000]);
    expect(bucketArgs(2, [free, defaults])).toEqual([600, 10, 61_000, 100, 50, 3000]);
    expect(() => bucketArgs(3, [free, defaults])).toThrow(TypeError);
  });

  it('validates options once, at construction', () => {
    expect(() => rateLimit({ capacity: 0 })).toThrow(TypeError);
    expect(() => rateLimit({ capacity: 1.5 })).toThrow(TypeError);
    expect(() => rateLimit({ refillPerSecond: 0 })).toThrow(TypeError);
    expect(() => rateLimit({ scopes: ['planet' as never] })).toThrow(TypeError);
    expect(() => rateLimit({ timeoutMs: 0 })).toThrow(TypeError);
  });
});

describe('rateLimit', () => {
  it('lets a request through and reports the emptiest bucket', async () => {
    const redis = fakeRedis([1, 0, 0, 7]);
    expect(await call({ redis: redis.redis, capacity: 10, refillPerSecond: 5 })).toEqual({
      statusCode: 200,
      headers: { 'ratelimit-limit': '10', 'ratelimit-remaining': '7' },
      body: { ok: true },
    });
    expect(redis.calls[0]).toEqual([3, 'rl:tenant:t1', 'rl:user:u1', 'rl:ip:203.0.113.9', 10, 5, 3000]);
  });

  it("gives the tenant bucket its own settings and reports the emptiest bucket's limit", async () => {
    const redis = fakeRedis([1, 1, 0, 4]);
    const tenantLimit = vi.fn(async () => ({ capacity: 6, refillPerSecond: 0.1 }));
    expect(await call({ redis: redis.redis, capacity: 10, refillPerSecond: 5, tenantLimit })).toMatchObject({
      statusCode: 200,
      headers: { 'ratelimit-limit': '6', 'ratelimit-remaining': '4' },
    });
    expect(tenantLimit).toHaveBeenCalledWith('t1');
    expect(redis.calls[0]).toEqual([3, 'rl:tenant:t1', 'rl:user:u1', 'rl:ip:203.0.113.9', 6, 0.1, 61_000, 10, 5, 3000, 10, 5, 3000]);
    // The user bucket emptiest: its limit is reported.
    const userFirst = fakeRedis([1, 2, 0, 1]);
    expect((await call({ redis: userFirst.redis, capacity: 10, refillPerSecond: 5, tenantLimit })).headers['ratelimit-limit']).toBe('10');
  });

  it('asks for no tenant settings when the request has no tenant bucket', async () => {
    const redis = fakeRedis([1, 0, 0, 9]);
    const tenantLimit = vi.fn(async () => ({ capacity: 6, refillPerSecond: 0.1 }));
    await call({ redis: redis.redis, tenantLimit }, {});
    await call({ redis: redis.redis, tenantLimit, scopes: ['user', 'ip'] });
    expect(tenantLimit).not.toHaveBeenCalled();
    expect(redis.calls[0]).toEqual([1, 'rl:ip:203.0.113.9', 100, 50, 3000]);
  });

  it('fails open when the tenant settings cannot be had or make no sense', async () => {
    const warn = vi.fn();
    const log = { warn } as unknown as FunctionContext['log'];
    const redis = fakeRedis([1, 0, 0, 9]);
    const down = async () => {
      throw new Error('ECONNREFUSED');
    };
    expect((await call({ redis: redis.redis, tenantLimit: down }, { actor, tenantId: 't1', log })).statusCode).toBe(200);
    const nonsense = async () => ({ capacity: 0, refillPerSecond: 1 });
    expect((await call({ redis: redis.redis, tenantLimit: nonsense }, { actor, tenantId: 't1', log })).statusCode).toBe(200);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(redis.calls).toHaveLength(0);
  });

  it('defines the script once per client', async () => {
    const redis = fakeRedis([1, 0, 0, 7]);
    await call({ redis: redis.redis });
    await call({ redis: redis.redis });
    expect(redis.client.defineCommand).toHaveBeenCalledTimes(1);
    expect(redis.calls).toHaveLength(2);
  });

  it('does not overwrite rate-limit headers the handler set', async () => {
    const redis = fakeRedis([1, 0, 0, 7]);
    const response = await call({ redis: redis.redis }, undefined, { 'ratelimit-remaining': '0' });
    expect(response.headers).toEqual({ 'ratelimit-remaining': '0', 'ratelimit-limit': '100' });
  });

  it('refuses with 429 naming the empty scope and Retry-After', async () => {
    const redis = fakeRedis([0, 2, 1200, 0]);
    expect(await call({ redis: redis.redis })).toEqual({
      statusCode: 429,
      headers: { 'retry-after': '2', 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: {
        type: 'https://docs.marketplace.dev/problems/rate_limited',
        title: 'Too Many Requests',
        status: 429,
        detail: 'Rate limit exceeded for user; retry after 2s.',
        instance: 'urn:request:req-1',
        code: 'rate_limited',
        scope: 'user',
        retryAfter: 2,
      },
    });
  });

  it('skips scopes without a value and Redis entirely when none has one', async () => {
    const redis = fakeRedis([1, 0, 0, 99]);
    await call({ redis: redis.redis, scopes: ['tenant', 'user'] }, {});
    expect(redis.calls).toHaveLength(0);
    await call({ redis: redis.redis }, {});
    expect(redis.calls[0]).toEqual([1, 'rl:ip:203.0.113.9', 100, 50, 3000]);
  });

  it('fails open by default when Redis is down, logging a warning', async () => {
    const warn = vi.fn();
    const log = { warn } as unknown as FunctionContext['log'];
    const down = async (): Promise<Redis> => {
      throw new Error('ECONNREFUSED');
    };
    expect(await call({ redis: down }, { actor, tenantId: 't1', log })).toEqual({ statusCode: 200, headers: {}, body: { ok: true } });
    expect(warn).toHaveBeenCalledWith({ err: expect.any(Error) }, 'rate limit store unavailable; request let through');
    const failing = fakeRedis(new Error('READONLY'));
    expect((await call({ redis: failing.redis }, { actor, tenantId: 't1', log })).statusCode).toBe(200);
  });

  it('fails open when Redis is slower than the timeout', async () => {
    const hanging = () => new Promise<Redis>(() => undefined);
    const started = Date.now();
    expect((await call({ redis: hanging, timeoutMs: 30 })).statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails closed with 503 when told to', async () => {
    const down = async (): Promise<Redis> => {
      throw new Error('ECONNREFUSED');
    };
    expect(await call({ redis: down, failOpen: false })).toMatchObject({
      statusCode: 503,
      headers: { 'retry-after': '1' },
      body: { code: 'rate_limit_unavailable', status: 503 },
    });
  });
});
