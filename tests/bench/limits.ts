import IORedis from 'ioredis';

/**
 * The bench drives one tenant far past any plan's request rate (ENTERPRISE: a 60,000-request
 * burst, 1,000/s after it; one 8-second run on a quiet machine exceeds it). Every request still
 * takes a token from its tenant's bucket, as in production; the bucket key is emptied before
 * a load run and every half second during it, so the limit is checked on every request and
 * never hit.
 */
export const keepTenantBucketFull = async (redisUrl: string, tenantId: string): Promise<() => Promise<void>> => {
  const client = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const key = `rl:tenant:${tenantId}`;
  await client.del(key);
  const timer = setInterval(() => void client.del(key).catch(() => undefined), 500);
  return async () => {
    clearInterval(timer);
    client.disconnect();
  };
};

/** `work` with the tenant's bucket kept full while it runs. */
export const withFullTenantBucket = async <T>(redisUrl: string, tenantId: string, work: () => Promise<T>): Promise<T> => {
  const stop = await keepTenantBucketFull(redisUrl, tenantId);
  try {
    return await work();
  } finally {
    await stop();
  }
};
