import IORedis from 'ioredis';

/**
 * The bench drives one tenant far past any plan's request rate (ENTERPRISE: a 60,000-request
 * burst, 1,000/s after it). Every request still takes a token from its tenant's bucket, as in
 * production; emptying the bucket key before each load run means the limit is checked on
 * every request and never hit within one run.
 */
export const refillTenantBucket = async (redisUrl: string, tenantId: string): Promise<void> => {
  const client = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    await client.del(`rl:tenant:${tenantId}`);
  } finally {
    client.disconnect();
  }
};
