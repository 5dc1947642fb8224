import { redis } from '../../layers/connections';
import { defineScheduled } from '../../layers/events/consumer';
import { redisLease, type Lease } from '../../layers/locks/lease';
import { drainUnderLease, outboxLease, outboxRelay, type DrainResult, type OutboxRelay } from '../../layers/events/outbox';
import { outboxAggregates } from '../../triggers/catalogue';

// Input: none (an empty, signed POST from the cron scheduler). Output: what one drain did.

/**
 * One bounded drain of every catalogue outbox: the crash-recovery sweep where no always-on
 * runner is deployed. Skips when another relay holds the lease, and gives the lease back after.
 */
export const makeRelayOnce =
  (deps: { relay: OutboxRelay; lease: Lease; limit: number }) => async (): Promise<{ drained: false } | ({ drained: true } & DrainResult)> => {
    try {
      const result = await drainUnderLease(deps.relay, deps.lease, { limit: deps.limit });
      return result ? { drained: true, ...result } : { drained: false };
    } finally {
      await deps.lease.release(); // a no-op unless this run holds it
    }
  };

const handler = defineScheduled({ name: 'platform-outbox-relay', summary: 'Publish pending outbox events (crash-recovery sweep)' }, async (context) =>
  makeRelayOnce({ relay: outboxRelay(outboxAggregates(), context.log), lease: redisLease(await redis(), outboxLease()), limit: 500 })(),
);

export default handler;
