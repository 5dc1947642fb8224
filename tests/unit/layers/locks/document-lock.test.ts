import { describe, expect, it, vi } from 'vitest';
import { makeDocumentLock } from '../../../../layers/locks/document-lock';

/** A Redis stand-in for the lease script: GET/SET/PEXPIRE/DEL semantics on one key space. */
const fakeRedis = () => {
  const keys = new Map<string, string>();
  return {
    keys,
    eval: vi.fn(async (script: string, _n: number, key: string, owner: string) => {
      const current = keys.get(key);
      if (script.includes("'DEL'")) {
        if (current === owner) keys.delete(key);
        return 0;
      }
      if (current === owner) return 1;
      if (current) return 0;
      keys.set(key, owner);
      return 1;
    }),
  };
};

describe('document lock', () => {
  it('runs the work directly when the database needs no lock', async () => {
    const redis = fakeRedis();
    const lock = makeDocumentLock({ needed: async () => false, redis: async () => redis as never });
    expect(await lock('products', 'p1', async () => 'done')).toBe('done');
    expect(redis.eval).not.toHaveBeenCalled();
  });

  it('lets one holder at a time update a document, releasing after success and failure', async () => {
    const redis = fakeRedis();
    const lock = makeDocumentLock({ needed: async () => true, redis: async () => redis as never }, { retryMs: 1 });
    const order: string[] = [];
    const slow = (name: string) => async () => {
      order.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${name}:end`);
      return name;
    };
    expect(await Promise.all([lock('products', 'p1', slow('a')), lock('products', 'p1', slow('b'))])).toEqual(['a', 'b']);
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
    await expect(lock('products', 'p1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(redis.keys.size).toBe(0);
  });

  it('does not serialise different documents', async () => {
    const redis = fakeRedis();
    const lock = makeDocumentLock({ needed: async () => true, redis: async () => redis as never });
    let inside = 0;
    let most = 0;
    const work = async () => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setTimeout(r, 10));
      inside -= 1;
    };
    await Promise.all([lock('products', 'p1', work), lock('products', 'p2', work)]);
    expect(most).toBe(2);
  });

  it('answers 503 when the document stays busy past the wait', async () => {
    const redis = fakeRedis();
    redis.keys.set('doclock:products:p1', 'someone-else');
    let clock = 0;
    const lock = makeDocumentLock(
      { needed: async () => true, redis: async () => redis as never, now: () => clock, sleep: async (ms) => void (clock += ms) },
      { waitMs: 50, retryMs: 10 },
    );
    await expect(lock('products', 'p1', async () => 'never')).rejects.toMatchObject({ status: 503, code: 'document_busy' });
  });

  it('asks whether the lock is needed once, and again after a failed check', async () => {
    const needed = vi.fn().mockRejectedValueOnce(new Error('mongo down')).mockResolvedValue(false);
    const lock = makeDocumentLock({ needed, redis: async () => fakeRedis() as never });
    await expect(lock('products', 'p1', async () => 1)).rejects.toThrow('mongo down');
    expect(await lock('products', 'p1', async () => 2)).toBe(2);
    expect(await lock('products', 'p2', async () => 3)).toBe(3);
    expect(needed).toHaveBeenCalledTimes(2);
  });
});
