import type { Logger } from 'pino';
import { z } from 'zod';
import { redis } from '../layers/connections';
import type { AggregateRef } from '../layers/events/envelope';
import {
  DEFAULT_DRAIN_LIMIT,
  drainUnderLease,
  outboxLease,
  outboxNudgeChannel,
  outboxRelay,
  parseNudge,
  type OutboxRelay,
  type OutboxTarget,
} from '../layers/events/outbox';
import { redisLease, type Lease, type LeaseOptions } from '../layers/locks/lease';
import { outboxAggregates } from './catalogue';

/**
 * The always-on outbox relay that `npm start` runs beside the gateway. A writer's nudge (Redis
 * PUBLISH on `outbox:nudge`) names the aggregate it wrote, and the runner drains just that one,
 * found by id: the fast path, whose cost does not grow with the data. A bare nudge, and a sweep
 * every OUTBOX_SWEEP_MS, scan every outbox collection, which recovers what a crash or a lost
 * nudge left behind. A scan's cost grows with the data (FerretDB scans every document for it),
 * so while sweeps find nothing the interval doubles, up to `maxSweepMs`, and it is back to
 * `sweepMs` as soon as one publishes or a drain fails: a healthy system leans on nudges, a crash
 * or a broker outage is recovered fast. Drains never overlap: nudges during a drain are collected
 * and drained right after it. Across processes the Redis lease decides.
 */
export interface OutboxLoopDeps {
  relay: OutboxRelay;
  lease: Lease;
  /** Calls `onNudge` on every nudge, with its target if it names one; resolves to an unsubscribe. */
  subscribe: (onNudge: (target?: OutboxTarget) => void) => Promise<() => Promise<void>>;
  log: Logger;
  sweepMs: number;
  /** The longest interval sweeps that find nothing back off to (30 × sweepMs). */
  maxSweepMs?: number;
  /** Aggregates per collection in a sweep round, and targets per targeted drain. */
  limit: number;
}

export interface OutboxLoop {
  /** Sweeps now (or after the drain in progress); resolves when done. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** Enough sweep rounds to empty a burst; the next sweep picks up whatever is left. */
const MAX_ROUNDS = 50;

const keyOf = (target: OutboxTarget): string => JSON.stringify([target.service, target.collection, target.id]);

export const runOutboxLoop = async (deps: OutboxLoopDeps): Promise<OutboxLoop> => {
  let running: Promise<void> | undefined;
  let sweepDue = false;
  const targets = new Map<string, OutboxTarget>();
  let stopped = false;
  /** A sweep published (nudges were missed) or a drain failed (the broker is away): work may be left that no nudge names. */
  let recovering = false;

  /** Up to `limit` collected targets, taken out of the set. */
  const takeTargets = (): OutboxTarget[] => {
    const taken: OutboxTarget[] = [];
    for (const [key, target] of targets) {
      if (taken.length === deps.limit) break;
      targets.delete(key);
      taken.push(target);
    }
    return taken;
  };

  const drainRounds = async (): Promise<void> => {
    while ((sweepDue || targets.size > 0) && !stopped) {
      const sweeping = sweepDue;
      sweepDue = false;
      // A sweep reads every pending aggregate after this point, so it covers the targets so far.
      if (sweeping) targets.clear();
      const options = sweeping ? { limit: deps.limit, maxRounds: MAX_ROUNDS } : { limit: deps.limit, targets: takeTargets() };
      try {
        const result = await drainUnderLease(deps.relay, deps.lease, options);
        if (sweeping && (result?.published ?? 0) > 0) recovering = true;
      } catch (error) {
        recovering = true;
        deps.log.error({ err: error }, 'outbox drain failed; the next sweep retries');
      }
    }
  };

  const start = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= drainRounds().finally(() => {
      running = undefined;
      if (sweepDue || targets.size > 0) void start(); // asked for after the last check
    });
    return running;
  };

  const sweep = (): Promise<void> => {
    sweepDue = true;
    return start();
  };

  const onNudge = (target?: OutboxTarget): void => {
    if (!target) return void sweep();
    targets.set(keyOf(target), target);
    void start();
  };

  const unsubscribe = await deps.subscribe(onNudge);
  const maxSweepMs = deps.maxSweepMs ?? deps.sweepMs * 30;
  let interval = deps.sweepMs;
  let timer: NodeJS.Timeout | undefined;
  const sweepOnTime = async (): Promise<void> => {
    recovering = false;
    await sweep();
    interval = recovering ? deps.sweepMs : Math.min(interval * 2, maxSweepMs);
    if (!stopped) timer = setTimeout(() => void sweepOnTime(), interval);
  };
  timer = setTimeout(() => void sweepOnTime(), interval);

  return {
    drain: sweep,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await unsubscribe();
      await running;
      await deps.lease.release();
    },
  };
};

const sweepMsOf = (env: Record<string, string | undefined>): number =>
  z.coerce
    .number()
    .int()
    .positive()
    .default(1_000)
    .parse(env.OUTBOX_SWEEP_MS || undefined);

export interface OutboxRunnerOptions {
  log: Logger;
  /** Every catalogue aggregate by default. */
  aggregates?: AggregateRef[];
  /** OUTBOX_SWEEP_MS, 1000 by default: nudges carry the fast path, sweeps recover. */
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
      subscriber.on('message', (_channel: string, message: string) => onNudge(parseNudge(message)));
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
