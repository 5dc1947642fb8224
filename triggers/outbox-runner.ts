import type { Logger } from 'pino';
import { z } from 'zod';
import { redis } from '../layers/connections';
import type { AggregateRef } from '../layers/events/envelope';
import { DEFAULT_DRAIN_LIMIT, drainUnderLease, outboxLease, outboxNudgeChannel, outboxRelay, type OutboxRelay } from '../layers/events/outbox';
import { redisLease, type Lease, type LeaseOptions } from '../layers/events/lease';
import { outboxAggregates } from './catalogue';

/**
 * The always-on outbox relay that `npm start` runs beside the gateway: it drains as soon as a
 * writer nudges (Redis PUBLISH on `outbox:nudge`), and sweeps every OUTBOX_SWEEP_MS anyway,
 * which recovers what a crash or a lost nudge left behind. Drains never overlap: a nudge
 * during a drain schedules one more drain after it. Across processes the Redis lease decides.
 */
export interface OutboxLoopDeps {
  relay: OutboxRelay;
  lease: Lease;
  /** Calls `onNudge` on every nudge; resolves to an unsubscribe. */
  subscribe: (onNudge: () => void) => Promise<() => Promise<void>>;
  log: Logger;
  sweepMs: number;
  limit: number;
}

export interface OutboxLoop {
  /** Drains now (or after the drain in progress); resolves when done. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Enough rounds to empty a burst; the next sweep picks up whatever is left. */
const MAX_ROUNDS = 50;

export const runOutboxLoop = async (deps: OutboxLoopDeps): Promise<OutboxLoop> => {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const drainRounds = async (): Promise<void> => {
    do {
      again = false;
      try {
        await drainUnderLease(deps.relay, deps.lease, { limit: deps.limit, maxRounds: MAX_ROUNDS });
      } catch (error) {
        deps.log.error({ err: error }, 'outbox drain failed; the next sweep retries');
      }
    } while (again && !stopped);
  };

  const drain = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = drainRounds().finally(() => {
      running = undefined;
    });
    return running;
  };

  const unsubscribe = await deps.subscribe(() => void drain());
  const sweep = setInterval(() => void drain(), deps.sweepMs);

  return {
    drain,
    stop: async () => {
      stopped = true;
      clearInterval(sweep);
      await unsubscribe();
      await running;
      await deps.lease.release();
    },
  };
};

const sweepMsOf = (env: Record<string, string | undefined>): number =>
  z.coerce.number().int().positive().default(250).parse(env.OUTBOX_SWEEP_MS || undefined);

export interface OutboxRunnerOptions {
  log: Logger;
  /** Every catalogue aggregate by default. */
  aggregates?: AggregateRef[];
  /** OUTBOX_SWEEP_MS, 250 by default. */
  sweepMs?: number;
  limit?: number;
  /** The shared relay lease by default; tests take their own. */
  lease?: LeaseOptions;
}

/** The runner with the real relay, lease and nudge channel. */
export const startOutboxRunner = async (options: OutboxRunnerOptions): Promise<OutboxLoop> => {
  const client = await redis();
  return runOutboxLoop({
    relay: outboxRelay(options.aggregates ?? outboxAggregates(), options.log),
    lease: redisLease(client, options.lease ?? outboxLease()),
    subscribe: async (onNudge) => {
      // A subscribed connection can do nothing else: the nudges get their own.
      const subscriber = client.duplicate();
      subscriber.on('message', onNudge);
      await subscriber.subscribe(outboxNudgeChannel());
      return async () => {
        await subscriber.quit();
      };
    },
    log: options.log,
    sweepMs: options.sweepMs ?? sweepMsOf(process.env),
    limit: options.limit ?? DEFAULT_DRAIN_LIMIT,
  });
};
