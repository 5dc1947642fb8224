import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryIdempotencyStore, canonicalJson, isExpired, isFinal, payloadHash, scopedKey } from '../../../../layers/idempotency';

afterEach(() => vi.useRealTimers());

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson({ a: undefined, b: new Date(0) })).toBe('{"b":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('payloadHash', () => {
  it('is the same for equal requests and differs by body, method or path', () => {
    const base = payloadHash({ method: 'post', path: '/x', body: { a: 1, b: 2 } });
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(payloadHash({ method: 'POST', path: '/x', body: { b: 2, a: 1 } })).toBe(base);
    expect(payloadHash({ method: 'POST', path: '/x', body: { a: 1, b: 3 } })).not.toBe(base);
    expect(payloadHash({ method: 'PUT', path: '/x', body: { a: 1, b: 2 } })).not.toBe(base);
    expect(payloadHash({ method: 'POST', path: '/y', body: { a: 1, b: 2 } })).not.toBe(base);
  });
});

describe('scopedKey', () => {
  it('separates functions, tenants and users, and cannot be confused by separators', () => {
    const key = scopedKey({ functionName: 'orders-create', tenantId: 't', userId: 'u', key: 'k' });
    expect(key).toMatch(/^orders-create:[0-9a-f]{64}$/);
    expect(scopedKey({ functionName: 'orders-create', tenantId: 't', userId: 'u2', key: 'k' })).not.toBe(key);
    expect(scopedKey({ functionName: 'orders-create', tenantId: 't2', userId: 'u', key: 'k' })).not.toBe(key);
    expect(scopedKey({ functionName: 'payment-refund', tenantId: 't', userId: 'u', key: 'k' })).not.toBe(key);
    expect(scopedKey({ functionName: 'f', tenantId: 'a:b', userId: 'c', key: 'k' })).not.toBe(
      scopedKey({ functionName: 'f', tenantId: 'a', userId: 'b:c', key: 'k' }),
    );
    expect(scopedKey({ functionName: 'f', key: 'k' })).toMatch(/^f:/);
  });
});

describe('isFinal', () => {
  it.each([
    [200, true],
    [201, true],
    [204, true],
    [400, true],
    [404, true],
    [422, true],
    [409, false],
    [429, false],
    [500, false],
    [503, false],
  ])('%i → %s', (status, final) => {
    expect(isFinal(status)).toBe(final);
  });
});

describe('MemoryIdempotencyStore', () => {
  it('puts only when absent or expired, and forgets expired records', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const store = new MemoryIdempotencyStore();
    const record = { key: 'k', status: 'in_progress' as const, payloadHash: 'h', expiresAt: 1_000_100 };
    expect(await store.putIfAbsent(record)).toBeUndefined();
    expect(await store.putIfAbsent({ ...record, payloadHash: 'other' })).toEqual(record);
    expect(isExpired(record)).toBe(false);
    vi.setSystemTime(1_000_100);
    expect(isExpired(record)).toBe(true);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.putIfAbsent({ ...record, expiresAt: 2_000_000 })).toBeUndefined();
    await store.update({ ...record, status: 'completed', expiresAt: 2_000_000 });
    expect(await store.get('k')).toMatchObject({ status: 'completed' });
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });
});
