import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A lease in Redis: one holder at a time, held for `ttlMs` and renewed by holding it again.
 * A holder that dies loses it when the TTL runs out, so another process takes over.
 */
export interface Lease {
  /** Takes the lease when free, or renews it when this holder has it; false when another holds it. */
  hold(): Promise<boolean>;
  /** Gives the lease up if this holder has it. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  key: string;
  ttlMs: number;
  owner?: string;
}

const HOLD = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export const redisLease = (client: Pick<Redis, 'eval'>, options: LeaseOptions): Lease => {
  const owner = options.owner ?? randomUUID();
  return {
    hold: async () => (await client.eval(HOLD, 1, options.key, owner, String(options.ttlMs))) === 1,
    release: async () => {
      await client.eval(RELEASE, 1, options.key, owner);
    },
  };
};
