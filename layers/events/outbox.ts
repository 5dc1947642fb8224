import { loadConfig } from '../config';
import type { Schema } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import { mongooseLib, producer, redis, serviceDb } from '../connections';
import { metrics } from '../metrics';
import type { AggregateRef, OutboxEntry } from './envelope';
import { toTopicMessages } from './kafka-binding';
import { withDocumentLock, type DocumentLock } from '../locks';
import type { Lease, LeaseOptions } from '../locks/lease';

export type { OutboxEntry } from './envelope';

/**
 * The outbox travels with the aggregate: each aggregate document keeps `outbox: OutboxEntry[]`,
 * and a writer pushes the events a change causes in the same single-document update as the
 * change itself (FerretDB has no multi-document transactions). The relay publishes pending
 * entries and then pulls exactly the entries it published, so entries pushed meanwhile stay.
 * A crash between publish and pull publishes them again; consumers drop duplicates by id.
 */
let entrySchema: Schema<OutboxEntry> | undefined;
export const outboxEntrySchema = (): Schema<OutboxEntry> =>
  (entrySchema ??= new (mongooseLib().Schema)<OutboxEntry>(
    {
      id: { type: String, required: true },
      type: { type: String, required: true },
      topic: { type: String, required: true },
      source: { type: String, required: true },
      subject: { type: String, required: true },
      time: { type: String, required: true },
      tenantId: { type: String, required: true },
      correlationId: { type: String, required: true },
      causationId: { type: String, required: false },
      traceparent: { type: String, required: false },
      data: { type: String, required: true },
    },
    { _id: false, versionKey: false },
  ));

/** The update fragment that appends `entries` to the outbox; merge it into the state change's update. */
export const pushOutbox = (...entries: OutboxEntry[]): { $push?: { outbox: { $each: OutboxEntry[] } } } =>
  entries.length === 0 ? {} : { $push: { outbox: { $each: entries } } };

/** Matches aggregates with at least one pending entry; served by MongoDB and FerretDB 1.24 alike. */
export const PENDING_FILTER = { 'outbox.0': { $exists: true } } as const;

/**
 * Matches one aggregate if it has pending entries. FerretDB 1.24 on SQLite serves this from its
 * primary key: it pushes a filter down only when, without its dotted keys, the filter is exactly
 * `{ _id: <string or ObjectId> }`. So one lookup per id, not `{ _id: { $in: ids } }`, which it
 * answers with a full scan like PENDING_FILTER alone.
 */
export const pendingOf = (id: unknown): Record<string, unknown> => ({ _id: id, ...PENDING_FILTER });

/** One aggregate a writer changed: the relay drains just its outbox. */
export interface OutboxTarget extends AggregateRef {
  id: string;
}

export interface OutboxDocument {
  _id: unknown;
  outbox?: OutboxEntry[];
}

/** The part of a MongoDB collection the relay uses (a driver or mongoose collection fits). */
export interface OutboxCollection {
  readonly collectionName: string;
  find(filter: Record<string, unknown>, options: { projection: Record<string, 1>; limit: number }): { toArray(): Promise<OutboxDocument[]> };
  updateOne(filter: Record<string, unknown>, update: Record<string, unknown>): Promise<unknown>;
  countDocuments(filter: Record<string, unknown>): Promise<number>;
}

export interface OutboxRelayDeps {
  /** The aggregates this relay drains; targets of other aggregates are ignored. */
  aggregates: readonly AggregateRef[];
  /** The outbox collection of one of `aggregates`. */
  collection: (aggregate: AggregateRef) => Promise<OutboxCollection>;
  publish: (entries: OutboxEntry[]) => Promise<void>;
  log: Logger;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Serialises the pull with the aggregate's own writes where the database does not (FerretDB). */
  lock: DocumentLock;
}

export interface DrainResult {
  /** Events published by this drain. */
  published: number;
  /** Aggregates whose entries were published and pulled. */
  aggregates: number;
  /** Aggregates still holding entries after the drain, as far as it knows (0 for a targeted drain). */
  backlog: number;
  /** Age of the oldest event published, in milliseconds. */
  oldestAgeMs: number;
}

export interface DrainOptions {
  /** Aggregates per collection in a sweep. */
  limit?: number;
  /**
   * Drain just these aggregates, each found by id, and count no backlog: the fast path after a
   * writer's nudge. Without targets, a sweep of every collection.
   */
  targets?: readonly OutboxTarget[];
}

export interface OutboxRelay {
  /** Publishes the pending entries of the targets, or of at most `limit` aggregates per collection. */
  drainOnce(options?: DrainOptions): Promise<DrainResult>;
}

export const DEFAULT_DRAIN_LIMIT = 100;

const NOTHING_DRAINED: DrainResult = { published: 0, aggregates: 0, backlog: 0, oldestAgeMs: 0 };

const combine = (a: DrainResult, b: DrainResult): DrainResult => ({
  published: a.published + b.published,
  aggregates: a.aggregates + b.aggregates,
  backlog: a.backlog + b.backlog,
  oldestAgeMs: Math.max(a.oldestAgeMs, b.oldestAgeMs),
});

const sameAggregate = (a: AggregateRef, b: AggregateRef): boolean => a.service === b.service && a.collection === b.collection;

const PROJECTION = { outbox: 1 } as const;

export const makeOutboxRelay = (deps: OutboxRelayDeps): OutboxRelay => {
  /** Publishes what `docs` hold, then pulls exactly that. */
  const publishAndPull = async (collection: OutboxCollection, docs: OutboxDocument[]): Promise<DrainResult> => {
    const pending = docs.filter((doc) => (doc.outbox?.length ?? 0) > 0);
    const entries = pending.flatMap((doc) => doc.outbox ?? []);
    if (entries.length === 0) return NOTHING_DRAINED;
    await deps.publish(entries);
    const now = deps.now();
    const oldestAgeMs = Math.max(...entries.map((entry) => now - Date.parse(entry.time)));
    // Pull exactly the entries published, as read: entries pushed since stay for the next drain.
    // `$pullAll` by whole value, because FerretDB 1.24 ignores `$pull` with a condition ({ id: { $in } }).
    await Promise.all(
      pending.map((doc) =>
        deps.lock(collection.collectionName, String(doc._id), () => collection.updateOne({ _id: doc._id }, { $pullAll: { outbox: doc.outbox ?? [] } })),
      ),
    );
    return { published: entries.length, aggregates: pending.length, backlog: 0, oldestAgeMs };
  };

  const sweepCollection = async (collection: OutboxCollection, limit: number): Promise<DrainResult> => {
    const docs = await collection.find({ ...PENDING_FILTER }, { projection: PROJECTION, limit }).toArray();
    const drained = await publishAndPull(collection, docs);
    const backlog = docs.length < limit ? 0 : await collection.countDocuments({ ...PENDING_FILTER });
    metrics.outboxBacklog.set({ collection: collection.collectionName }, backlog);
    return { ...drained, backlog };
  };

  const drainTargets = async (collection: OutboxCollection, ids: readonly string[]): Promise<DrainResult> => {
    const found = await Promise.all(ids.map((id) => collection.find(pendingOf(id), { projection: PROJECTION, limit: 1 }).toArray()));
    return publishAndPull(collection, found.flat());
  };

  const drainOnce = async ({ limit = DEFAULT_DRAIN_LIMIT, targets }: DrainOptions = {}): Promise<DrainResult> => {
    let total = NOTHING_DRAINED;
    for (const aggregate of deps.aggregates) {
      if (!targets) {
        total = combine(total, await sweepCollection(await deps.collection(aggregate), limit));
        continue;
      }
      const ids = [...new Set(targets.filter((target) => sameAggregate(target, aggregate)).map((target) => target.id))];
      if (ids.length > 0) total = combine(total, await drainTargets(await deps.collection(aggregate), ids));
    }
    if (total.published > 0) deps.log.debug({ ...total, targeted: Boolean(targets) }, 'outbox drained');
    return total;
  };

  return { drainOnce };
};

/** Publishes entries through the idempotent producer (acks from all in-sync replicas), in order per key. */
export const publishToKafka = async (entries: OutboxEntry[]): Promise<void> => {
  const client = await producer();
  const topicMessages = toTopicMessages(entries);
  await client.sendBatch({ topicMessages, acks: -1 });
  for (const { topic, messages } of topicMessages) metrics.eventsPublished.inc({ topic }, messages.length);
};

/** The outbox collection of `aggregate`, in its service's database. */
export const outboxCollection = async (aggregate: AggregateRef): Promise<OutboxCollection> =>
  (await serviceDb(aggregate.service)).collection(aggregate.collection);

/** A relay over the given aggregates with the real stores and producer. */
export const outboxRelay = (aggregates: readonly AggregateRef[], log: Logger): OutboxRelay =>
  makeOutboxRelay({ aggregates, collection: outboxCollection, publish: publishToKafka, log, now: Date.now, lock: withDocumentLock });

/**
 * One relay drains at a time: the always-on runner renews this lease on every drain.
 * A relay drains the databases of one MONGO_URL base; relays of other bases (another test
 * run, another environment on the same Redis) have their own lease and nudge channel.
 */
const outboxScope = (): string => new URL(loadConfig().MONGO_URL).pathname.replace(/^\//, '') || 'marketplace';

export const outboxLease = (): LeaseOptions => ({ key: `outbox:relay:lease:${outboxScope()}`, ttlMs: 5_000 });

/**
 * Drains while this process holds the lease: up to `maxRounds` bounded drains, stopping early
 * when nothing is left (a targeted drain takes one round). Undefined when another relay holds the lease.
 */
export const drainUnderLease = async (
  relay: OutboxRelay,
  lease: Lease,
  { limit = DEFAULT_DRAIN_LIMIT, maxRounds = 1, targets }: DrainOptions & { maxRounds?: number } = {},
): Promise<DrainResult | undefined> => {
  let total = NOTHING_DRAINED;
  for (let round = 0; round < maxRounds; round += 1) {
    if (!(await lease.hold())) return round === 0 ? undefined : total;
    const result = await relay.drainOnce(targets ? { limit, targets } : { limit });
    total = { ...combine(total, result), backlog: result.backlog };
    if (result.backlog === 0 || result.published === 0) break;
  }
  return total;
};

export const outboxNudgeChannel = (): string => `outbox:nudge:${outboxScope()}`;

/** A bare nudge: something changed somewhere, sweep. */
const BARE_NUDGE = '1';

const outboxTarget = z.object({ service: z.string().min(1), collection: z.string().min(1), id: z.string().min(1) });

/** The target a nudge names; undefined for a bare nudge or one this version cannot read, which sweep. */
export const parseNudge = (message: string): OutboxTarget | undefined => {
  if (message === BARE_NUDGE) return undefined;
  try {
    const parsed = outboxTarget.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Wakes the always-on relay after a write; with the aggregate written, the relay drains just
 * that one by id instead of sweeping. Fire-and-forget: never awaited, never fails a request.
 */
export const nudgeOutbox = (target?: OutboxTarget): void => {
  const message = target ? JSON.stringify({ service: target.service, collection: target.collection, id: target.id }) : BARE_NUDGE;
  redis()
    .then((client) => client.publish(outboxNudgeChannel(), message))
    .catch(() => undefined);
};
