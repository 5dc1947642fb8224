import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import middy from '@middy/core';
import IORedis, { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../layers/auth/types';
import { closeConnections } from '../../../layers/connections';
import { httpErrors } from '../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../layers/http/types';
import { bucketTtlMs, rateLimit, type RateLimitOptions } from '../../../layers/rate-limit';
import { functionContext, httpEvent } from '../../unit/layers/http/fixtures';

let client: Redis;
const prefix = `test:rl:${randomUUID()}:`;

beforeAll(async () => {
  client = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  await client.connect();
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
  await closeConnections();
});

const actor = (userId: string, tenantId = 'tenant-a'): Actor => ({ userId, tenantId, roles: ['customer'], level: 10 });

const limited = (opts: Partial<RateLimitOptions>) => {
  const handler = middy<HttpEvent, HttpResponse, Error, FunctionContext>()
    .use(httpErrors())
    .use(rateLimit({ redis: async () => client, ...opts }))
    .handler(async () => ({ statusCode: 200, headers: {}, body: { ok: true } }));
  return (who: Actor, ip = '198.51.100.7') => handler(httpEvent({ sourceIp: ip }), functionContext({ actor: who, tenantId: who.tenantId }));
};

describe('rateLimit on Redis', () => {
  it('drives a bucket over its limit into 429 with Retry-After', async () => {
    const keyPrefix = `${prefix}drain:`;
    const call = limited({ capacity: 3, refillPerSecond: 0.5, scopes: ['user'], keyPrefix });
    const alice = actor('alice');
    const remaining = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await call(alice);
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBe('3');
      remaining.push(response.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await call(alice);
    expect(refused).toEqual({
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
    // Another user has a bucket of their own.
    expect((await call(actor('bob'))).statusCode).toBe(200);
    // Buckets expire once they would be full again.
    const ttl = await client.pttl(`${keyPrefix}user:alice`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(bucketTtlMs({ capacity: 3, refillPerSecond: 0.5 }));
  });

  it('refills over time', async () => {
    const call = limited({ capacity: 2, refillPerSecond: 20, scopes: ['ip'], keyPrefix: `${prefix}refill:` });
    const who = actor('carol');
    await call(who);
    await call(who);
    expect((await call(who)).statusCode).toBe(429);
    await sleep(120);
    expect((await call(who)).statusCode).toBe(200);
  });

  it('names the scope that ran dry and debits no bucket on a refusal', async () => {
    const keyPrefix = `${prefix}scopes:`;
    const call = limited({ capacity: 2, refillPerSecond: 0.01, scopes: ['tenant', 'user'], keyPrefix });
    await call(actor('dave', 'tenant-x'));
    await call(actor('erin', 'tenant-x'));
    const refused = await call(actor('frank', 'tenant-x'));
    expect(refused).toMatchObject({ statusCode: 429, body: { scope: 'tenant' } });
    // frank's own bucket was not touched by the refused request.
    expect(await client.exists(`${keyPrefix}user:frank`)).toBe(0);
  });

  it("holds the tenant bucket to the tenant's own settings while users keep the defaults", async () => {
    const keyPrefix = `${prefix}tenant-own:`;
    const call = limited({
      capacity: 100,
      refillPerSecond: 100,
      scopes: ['tenant', 'user'],
      keyPrefix,
      tenantLimit: async () => ({ capacity: 3, refillPerSecond: 0.05 }),
    });
    const seen = [];
    for (const user of ['ivy', 'jack', 'kim']) {
      const response = await call(actor(user, 'tenant-small'));
      seen.push([response.statusCode, response.headers['ratelimit-limit'], response.headers['ratelimit-remaining']]);
    }
    expect(seen).toEqual([
      [200, '3', '2'],
      [200, '3', '1'],
      [200, '3', '0'],
    ]);
    expect(await call(actor('lee', 'tenant-small'))).toMatchObject({ statusCode: 429, headers: { 'retry-after': '20' }, body: { scope: 'tenant' } });
    expect(await client.pttl(`${keyPrefix}tenant:tenant-small`)).toBeGreaterThan(bucketTtlMs({ capacity: 100, refillPerSecond: 100 }));
    expect(await client.pttl(`${keyPrefix}user:ivy`)).toBeLessThanOrEqual(bucketTtlMs({ capacity: 100, refillPerSecond: 100 }));
  });

  it('lets exactly capacity requests through under concurrency', async () => {
    const call = limited({ capacity: 5, refillPerSecond: 0.01, scopes: ['user'], keyPrefix: `${prefix}burst:` });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => call(actor('gina')).then((r) => r.statusCode)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('reloads its script after the server lost it (EVALSHA falls back to EVAL)', async () => {
    const call = limited({ capacity: 5, refillPerSecond: 1, scopes: ['user'], keyPrefix: `${prefix}flush:` });
    expect((await call(actor('hank'))).statusCode).toBe(200);
    await client.script('FLUSH');
    expect((await call(actor('hank'))).headers['ratelimit-remaining']).toBe('3');
  });

  it('uses the shared connection by default', async () => {
    const handler = middy<HttpEvent, HttpResponse, Error, FunctionContext>()
      .use(rateLimit({ capacity: 1, refillPerSecond: 0.01, scopes: ['ip'], keyPrefix: `${prefix}default:` }))
      .handler(async () => ({ statusCode: 200, headers: {} }));
    const response = await handler(httpEvent({ sourceIp: '192.0.2.1' }), functionContext());
    expect(response.headers).toEqual({ 'ratelimit-limit': '1', 'ratelimit-remaining': '0' });
  });
});
