import { Schema, type Model } from 'mongoose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeConnections, redis, serviceDb } from '../../../layers/connections';
import { toConsumedEvent } from '../../../layers/events/cloudevent';
import { defineEvent, type OutboxEntry } from '../../../layers/events/envelope';
import { EventInProgressError, serviceInbox } from '../../../layers/events/inbox';
import { fromKafkaMessage, headerStrings } from '../../../layers/events/kafka-binding';
import { withDocumentLock } from '../../../layers/locks';
import { redisLease } from '../../../layers/locks/lease';
import {
  makeOutboxRelay,
  nudgeOutbox,
  outboxCollection,
  outboxEntrySchema,
  PENDING_FILTER,
  pendingOf as pendingFilterOf,
  publishToKafka,
  pushOutbox,
  type OutboxCollection,
} from '../../../layers/events/outbox';
import { startOutboxRunner } from '../../../triggers/outbox-runner';
import { collect, createTopics, deleteTopics, eventually, runSuffix } from './kafka-support';

const log = pino({ level: 'silent' });
const suffix = runSuffix();
const service = `itob${suffix}`;
const aggregate = { service, collection: 'crates' };
const crateShipped = defineEvent({
  type: `${service}.crate.shipped.v1`,
  schema: z.object({ crateId: z.string(), step: z.number().int() }),
  aggregate,
  description: 'A crate moved one step.',
});
const topic = crateShipped.topic;

interface Crate {
  _id: string;
  tenantId: string;
  step: number;
  outbox: OutboxEntry[];
}

let crates: Model<Crate>;
let received: Awaited<ReturnType<typeof collect>>;

const shipped = (crateId: string, step: number) =>
  crateShipped.create({ subject: crateId, tenantId: 'tenant-a', data: { crateId, step }, source: `${service}-ship` });

/** A state change and the event it causes, in one document write. */
const ship = async (crateId: string, step: number): Promise<OutboxEntry> => {
  const event = shipped(crateId, step);
  await crates.updateOne({ _id: crateId }, { $set: { step }, ...pushOutbox(event) }, { upsert: true });
  return event;
};

const pendingOf = async (crateId: string) => ((await crates.findById(crateId).lean())?.outbox ?? []).map((entry) => entry.id);

const receivedIds = () => received.messages.map((m) => headerStrings(m.headers).ce_id);

beforeAll(async () => {
  await createTopics(topic);
  const db = await serviceDb(service);
  crates = db.model<Crate>(
    'Crate',
    new Schema<Crate>(
      { _id: String, tenantId: { type: String, default: 'tenant-a' }, step: Number, outbox: { type: [outboxEntrySchema()], default: [] } },
      { versionKey: false },
    ),
  );
  received = await collect(topic);
});

afterAll(async () => {
  await received?.stop();
  await deleteTopics(topic).catch(() => undefined);
  await (await serviceDb(service)).dropDatabase();
  await closeConnections();
});

describe('outbox relay on FerretDB and Kafka', () => {
  const relay = makeOutboxRelay({ aggregates: [aggregate], collection: outboxCollection, publish: publishToKafka, log, now: Date.now, lock: withDocumentLock });

  it('finds aggregates with pending entries with { "outbox.0": { $exists: true } }', async () => {
    const collection = await outboxCollection(aggregate);
    await crates.create({ _id: 'empty-crate', step: 0, outbox: [] });
    await ship('probe-crate', 1);
    const found = await collection.find({ ...PENDING_FILTER }, { projection: { outbox: 1 }, limit: 100 }).toArray();
    expect(found.map((doc) => doc._id)).toContain('probe-crate');
    expect(found.map((doc) => doc._id)).not.toContain('empty-crate');
    await relay.drainOnce();
  });

  it('publishes pending events in order per aggregate, keyed by aggregate, then pulls them', async () => {
    const events = [await ship('crate-1', 1), await ship('crate-2', 1), await ship('crate-1', 2), await ship('crate-1', 3)];
    const result = await relay.drainOnce({ limit: 100 });
    expect(result.published).toBeGreaterThanOrEqual(4);
    expect(await pendingOf('crate-1')).toEqual([]);
    expect(await pendingOf('crate-2')).toEqual([]);

    await eventually(() => events.every((e) => receivedIds().includes(e.id)), 20_000, 'the events');
    const crate1 = received.messages.filter((m) => String(m.key) === 'crate-1');
    expect(new Set(crate1.map((m) => m.partition)).size).toBe(1);
    expect(crate1.map((m) => (fromKafkaMessage(m).data as { step: number }).step)).toEqual([1, 2, 3]);
    const event = toConsumedEvent(fromKafkaMessage(crate1[0]!));
    expect(event).toMatchObject({
      id: events[0]!.id,
      type: crateShipped.type,
      subject: 'crate-1',
      tenantId: 'tenant-a',
      source: `${service}-ship`,
      data: { crateId: 'crate-1', step: 1 },
    });
  });

  it('keeps an event written while the relay was publishing', async () => {
    await ship('crate-3', 1);
    let late: OutboxEntry | undefined;
    const racing = makeOutboxRelay({
      aggregates: [aggregate],
      collection: outboxCollection,
      publish: async (entries) => {
        await publishToKafka(entries);
        late = await ship('crate-3', 2);
      },
      log,
      now: Date.now,
      lock: withDocumentLock,
    });
    await racing.drainOnce();
    expect(await pendingOf('crate-3')).toEqual([late!.id]);
    await relay.drainOnce();
    expect(await pendingOf('crate-3')).toEqual([]);
  });

  it('republishes after a crash between publish and pull, and the inbox drops the duplicate', async () => {
    const event = await ship('crate-4', 1);
    const crashing = makeOutboxRelay({
      aggregates: [aggregate],
      collection: async (a): Promise<OutboxCollection> => {
        const collection = await outboxCollection(a);
        return {
          collectionName: collection.collectionName,
          find: (filter, options) => collection.find(filter, options),
          countDocuments: (filter) => collection.countDocuments(filter),
          updateOne: async () => Promise.reject(new Error('process killed')),
        };
      },
      publish: publishToKafka,
      log,
      now: Date.now,
      lock: withDocumentLock,
    });
    await expect(crashing.drainOnce()).rejects.toThrow('process killed');
    expect(await pendingOf('crate-4')).toEqual([event.id]);
    await relay.drainOnce();
    expect(await pendingOf('crate-4')).toEqual([]);

    await eventually(() => receivedIds().filter((id) => id === event.id).length === 2, 20_000, 'the event twice');
    const inbox = await serviceInbox(service);
    const effects: string[] = [];
    const outcomes = [];
    for (const message of received.messages.filter((m) => headerStrings(m.headers).ce_id === event.id)) {
      const consumed = toConsumedEvent(fromKafkaMessage(message));
      outcomes.push(await inbox.run(`${service}-on-crate-shipped`, consumed.id, consumed.tenantId, async () => void effects.push(consumed.id)));
    }
    expect(outcomes).toEqual(['processed', 'duplicate']);
    expect(effects).toEqual([event.id]);
  });

  it('drains just the targeted aggregates, and leaves the others pending', async () => {
    const targeted = [await ship('crate-6', 1), await ship('crate-6', 2)];
    const untouched = await ship('crate-7', 1);
    const result = await relay.drainOnce({
      targets: [
        { ...aggregate, id: 'crate-6' },
        { ...aggregate, id: 'no-such-crate' },
      ],
    });
    expect(result).toMatchObject({ published: 2, aggregates: 1, backlog: 0 });
    expect(await pendingOf('crate-6')).toEqual([]);
    expect(await pendingOf('crate-7')).toEqual([untouched.id]);
    await eventually(() => targeted.every((e) => receivedIds().includes(e.id)), 20_000, 'the targeted events');
    expect(receivedIds()).not.toContain(untouched.id);
    await relay.drainOnce();
    expect(await pendingOf('crate-7')).toEqual([]);
  });

  it('looks a target up by primary key, where { _id: { $in } } would scan', async () => {
    const db = await serviceDb(service);
    const explain = async (filter: Record<string, unknown>) =>
      (await db.db!.command({ explain: { find: aggregate.collection, filter } })) as { filterPushdown?: boolean };
    const byId = await explain(pendingFilterOf('crate-6'));
    // `filterPushdown` is FerretDB's: on MongoDB both use the _id index and there is nothing to check.
    if (byId.filterPushdown === undefined) return;
    expect(byId.filterPushdown).toBe(true);
    expect((await explain({ _id: { $in: ['crate-6'] }, ...PENDING_FILTER })).filterPushdown).toBe(false);
    expect((await explain({ ...PENDING_FILTER })).filterPushdown).toBe(false);
  });

  it('refuses a duplicate that arrives while the first delivery is still running', async () => {
    const inbox = await serviceInbox(service, { leaseMs: 10_000 });
    let finish = (): void => undefined;
    const first = inbox.run('consumer-x', 'event-x', 'tenant-a', () => new Promise<void>((resolve) => (finish = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(inbox.run('consumer-x', 'event-x', 'tenant-a', async () => undefined)).rejects.toBeInstanceOf(EventInProgressError);
    finish();
    expect(await first).toBe('processed');
    expect(await inbox.run('consumer-x', 'event-x', 'tenant-a', async () => undefined)).toBe('duplicate');
  });

  it('drains the aggregate a writer names in its nudge at once, sweeping nothing', async () => {
    const runner = await startOutboxRunner({ log, aggregates: [aggregate], sweepMs: 60_000, lease: { key: `test:lease:${suffix}:targeted`, ttlMs: 5_000 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // subscribed
      const left = await ship('crate-8', 1); // no nudge: waits for a sweep
      const event = await ship('crate-9', 1);
      nudgeOutbox({ ...aggregate, id: 'crate-9' });
      await eventually(() => receivedIds().includes(event.id), 5_000, 'the nudged event');
      await eventually(async () => (await pendingOf('crate-9')).length === 0, 5_000, 'the pull');
      expect(await pendingOf('crate-8')).toEqual([left.id]);
      await runner.drain();
      expect(await pendingOf('crate-8')).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  it('drains at once when a writer nudges the always-on runner', async () => {
    const runner = await startOutboxRunner({ log, aggregates: [aggregate], sweepMs: 60_000, lease: { key: `test:lease:${suffix}`, ttlMs: 5_000 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // subscribed
      const event = await ship('crate-5', 1);
      const started = Date.now();
      nudgeOutbox();
      await eventually(() => receivedIds().includes(event.id), 5_000, 'the nudged event');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await pendingOf('crate-5')).toEqual([]);
    } finally {
      await runner.stop();
    }
  });
});

describe('relay lease on Redis', () => {
  it('has one holder at a time, renews, releases, and expires', async () => {
    const client = await redis();
    const key = `test:lease:${suffix}:2`;
    const a = redisLease(client, { key, ttlMs: 300 });
    const b = redisLease(client, { key, ttlMs: 300 });
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true);
    await b.release(); // not b's: a keeps it
    expect(await b.hold()).toBe(false);
    await a.release();
    expect(await b.hold()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await a.hold()).toBe(true);
    await a.release();
  });
});
