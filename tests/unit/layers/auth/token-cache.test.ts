import { describe, expect, it } from 'vitest';
import { tokenCache } from '../../../../layers/auth/token-cache';
import type { Actor } from '../../../../layers/auth/types';

const actor = (userId: string): Actor => ({ userId, tenantId: 't', roles: ['staff'], level: 40 });

describe('verified token cache', () => {
  it('serves a token until the earlier of its expiry and the ttl', () => {
    const cache = tokenCache(10, 60_000);
    cache.set('a', actor('a'), 10_000, 0);
    expect(cache.get('a', 9_999)).toEqual(actor('a'));
    expect(cache.get('a', 10_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('b', actor('b'), 1_000_000, 0);
    expect(cache.get('b', 59_999)).toEqual(actor('b'));
    expect(cache.get('b', 60_000)).toBeUndefined();
  });

  it('drops the oldest entry when full, and nothing is kept with size 0', () => {
    const cache = tokenCache(2, 60_000);
    cache.set('a', actor('a'), 50_000, 0);
    cache.set('b', actor('b'), 50_000, 0);
    cache.set('a', actor('a'), 50_000, 0); // refreshed: now the newest
    cache.set('c', actor('c'), 50_000, 0);
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)].map((x) => x?.userId)).toEqual(['a', undefined, 'c']);
    const off = tokenCache(0, 60_000);
    off.set('a', actor('a'), 50_000, 0);
    expect(off.get('a', 1)).toBeUndefined();
  });
});
