import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineEvent, type OutboxEntry } from '../../../layers/events/envelope';
import type { Lease } from '../../../layers/locks/lease';
import { drainUnderLease, makeOutboxRelay, parseNudge, pushOutbox, type OutboxCollection } from '../../../layers/events/outbox';
import { registry } from '../../../layers/metrics';
import { memoryOutboxCollection, silentLog } from './support';

const boxPacked = defineEvent({
  type: 'boxes.box.packed.v1',
  schema: z.object({ n: z.number() }),
  aggregate: { service: 'boxes', collection: 'boxes' },
  description: 'A box was packed.',
});

const entryFor = (subject: string, n: number): OutboxEntry => boxPacked.create({ subject, tenantId: 't', data: { n }, source: 'boxes-pack' });

const ids = (entries: OutboxEntry[]) => entries.map((entry) => entry.id);

/** A relay over collections of the `boxes` service, one aggregate per collection. */
const relayOver = (collections: OutboxCollection[], publish = vi.fn(async (_entries: OutboxEntry[]) => undefined)) => ({
  publish,
  relay: makeOutboxRelay({
    aggregates: collections.map((c) => ({ service: 'boxes', collection: c.collectionName })),
    collection: async ({ collection }) => collections.find((c) => c.collectionName === collection)!,
    publish,
    log: silentLog,
    now: () => Date.now() + 1_000,
    lock: (_scope, _id, work) => work(),
  }),
});

const target = (collection: string, id: string) => ({ service: 'boxes', collection, id });

const heldLease = (held = true): Lease & { holds: number; releases: number } => {
  const lease = {
    holds: 0,
    releases: 0,
    hold: async () => {
      lease.holds += 1;
      return held;
    },
    release: async () => {
      lease.releases += 1;
    },
  };
  return lease;
};

describe('pushOutbox', () => {
  it('is the $push fragment to merge into the state change', () => {
    const a = entryFor('a', 1);
    const b = entryFor('a', 2);
    expect({ $set: { name: 'x' }, ...pushOutbox(a, b) }).toEqual({ $set: { name: 'x' }, $push: { outbox: { $each: [a, b] } } });
    expect(pushOutbox()).toEqual({});
  });
});

describe('makeOutboxRelay.drainOnce', () => {
  it('publishes every pending entry, in order per aggregate, then pulls exactly them', async () => {
    const a = [entryFor('a', 1), entryFor('a', 2)];
    const b = [entryFor('b', 1)];
    const boxes = memoryOutboxCollection('boxes', [
      { _id: 'a', outbox: [...a] },
      { _id: 'b', outbox: [...b] },
      { _id: 'c', outbox: [] },
    ]);
    const { relay, publish } = relayOver([boxes]);

    const result = await relay.drainOnce({ limit: 10 });

    expect(publish).toHaveBeenCalledTimes(1);
    expect(ids(publish.mock.calls[0]![0])).toEqual(ids([...a, ...b]));
    expect(boxes.docs.map((doc) => doc.outbox)).toEqual([[], [], []]);
    expect(result).toMatchObject({ published: 3, aggregates: 2, backlog: 0 });
    expect(result.oldestAgeMs).toBeGreaterThanOrEqual(1_000);
  });

  it.each([
    ['a sweep', {}],
    ['a targeted drain', { targets: [target('boxes', 'a')] }],
  ])('never pulls an entry pushed after %s read the outbox', async (_kind, options) => {
    const first = entryFor('a', 1);
    const late = entryFor('a', 2);
    const boxes = memoryOutboxCollection('boxes', [{ _id: 'a', outbox: [first] }]);
    const { relay } = relayOver(
      [boxes],
      vi.fn(async () => {
        boxes.docs[0]!.outbox!.push(late); // a writer commits while the relay publishes
      }),
    );
    await relay.drainOnce(options);
    expect(ids(boxes.docs[0]!.outbox!)).toEqual([late.id]);
  });

  it('pulls nothing when publishing fails, so the next drain publishes the same entries again', async () => {
    const entry = entryFor('a', 1);
    const boxes = memoryOutboxCollection('boxes', [{ _id: 'a', outbox: [entry] }]);
    const { relay } = relayOver(
      [boxes],
      vi.fn(async () => Promise.reject(new Error('broker down'))),
    );
    await expect(relay.drainOnce()).rejects.toThrow('broker down');
    expect(ids(boxes.docs[0]!.outbox!)).toEqual([entry.id]);
    expect(boxes.calls.updateOne).toBe(0);
  });

  it('drains at most `limit` aggregates per collection and reports the backlog', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => ({ _id: `d${i}`, outbox: [entryFor(`d${i}`, i)] }));
    const boxes = memoryOutboxCollection('boxes', docs);
    const { relay } = relayOver([boxes]);
    expect(await relay.drainOnce({ limit: 2 })).toMatchObject({ published: 2, backlog: 3 });
    const gauge = await registry.getSingleMetric('marketplace_outbox_backlog')!.get();
    expect(gauge.values.find((v) => v.labels.collection === 'boxes')?.value).toBe(3);
  });

  it('drains each collection and adds up', async () => {
    const one = memoryOutboxCollection('one', [{ _id: 'a', outbox: [entryFor('a', 1)] }]);
    const two = memoryOutboxCollection('two', [{ _id: 'b', outbox: [entryFor('b', 1), entryFor('b', 2)] }]);
    const { relay, publish } = relayOver([one, two]);
    expect(await relay.drainOnce()).toMatchObject({ published: 3, aggregates: 2, backlog: 0 });
    expect(publish).toHaveBeenCalledTimes(2);
  });

  it('does nothing when nothing is pending', async () => {
    const { relay, publish } = relayOver([memoryOutboxCollection('boxes', [{ _id: 'a', outbox: [] }])]);
    expect(await relay.drainOnce()).toEqual({ published: 0, aggregates: 0, backlog: 0, oldestAgeMs: 0 });
    expect(publish).not.toHaveBeenCalled();
  });
});

describe('makeOutboxRelay.drainOnce with targets', () => {
  it('drains just the targets, each looked up by id, and counts no backlog', async () => {
    const a = [entryFor('a', 1), entryFor('a', 2)];
    const docs = [
      { _id: 'a', outbox: [...a] },
      { _id: 'b', outbox: [entryFor('b', 1)] },
      { _id: 'c', outbox: [entryFor('c', 1)] },
    ];
    const boxes = memoryOutboxCollection('boxes', docs);
    const { relay, publish } = relayOver([boxes]);

    const result = await relay.drainOnce({ limit: 1, targets: [target('boxes', 'a'), target('boxes', 'a')] });

    expect(result).toMatchObject({ published: 2, aggregates: 1, backlog: 0 });
    expect(ids(publish.mock.calls[0]![0])).toEqual(ids(a));
    expect(boxes.calls.filters).toEqual([{ _id: 'a', 'outbox.0': { $exists: true } }]);
    expect(boxes.calls.countDocuments).toBe(0);
    expect(docs.map((doc) => doc.outbox.length)).toEqual([0, 1, 1]);
  });

  it('queries only the collections its targets name, and ignores aggregates it does not drain', async () => {
    const one = memoryOutboxCollection('one', [{ _id: 'a', outbox: [entryFor('a', 1)] }]);
    const two = memoryOutboxCollection('two', [
      { _id: 'b', outbox: [entryFor('b', 1)] },
      { _id: 'c', outbox: [entryFor('c', 1)] },
    ]);
    const { relay, publish } = relayOver([one, two]);

    const result = await relay.drainOnce({
      targets: [target('two', 'b'), target('two', 'c'), target('three', 'a'), { service: 'crates', collection: 'one', id: 'a' }],
    });

    expect(result).toMatchObject({ published: 2, aggregates: 2, backlog: 0 });
    expect(publish).toHaveBeenCalledTimes(1);
    expect(one.calls.find).toBe(0);
    expect(two.calls.find).toBe(2);
    expect(one.docs[0]!.outbox).toHaveLength(1);
  });

  it('does nothing for a target already drained', async () => {
    const boxes = memoryOutboxCollection('boxes', [{ _id: 'a', outbox: [] }]);
    const { relay, publish } = relayOver([boxes]);
    expect(await relay.drainOnce({ targets: [target('boxes', 'a')] })).toEqual({ published: 0, aggregates: 0, backlog: 0, oldestAgeMs: 0 });
    expect(publish).not.toHaveBeenCalled();
  });
});

describe('parseNudge', () => {
  it('reads the target a writer names, and a bare or unreadable nudge as none', () => {
    expect(parseNudge(JSON.stringify(target('boxes', 'a')))).toEqual(target('boxes', 'a'));
    expect(parseNudge('1')).toBeUndefined();
    expect(parseNudge('{"service":"boxes"}')).toBeUndefined();
    expect(parseNudge('not json')).toBeUndefined();
  });
});

describe('drainUnderLease', () => {
  it('drains targets in one round under the lease', async () => {
    const boxes = memoryOutboxCollection('boxes', [
      { _id: 'a', outbox: [entryFor('a', 1)] },
      { _id: 'b', outbox: [entryFor('b', 1)] },
    ]);
    const { relay } = relayOver([boxes]);
    const lease = heldLease();
    expect(await drainUnderLease(relay, lease, { limit: 10, maxRounds: 10, targets: [target('boxes', 'b')] })).toMatchObject({ published: 1, backlog: 0 });
    expect(lease.holds).toBe(1);
    expect(boxes.docs[0]!.outbox).toHaveLength(1);
  });

  it('does not drain targets while another relay holds the lease', async () => {
    const boxes = memoryOutboxCollection('boxes', [{ _id: 'a', outbox: [entryFor('a', 1)] }]);
    const { relay, publish } = relayOver([boxes]);
    expect(await drainUnderLease(relay, heldLease(false), { targets: [target('boxes', 'a')] })).toBeUndefined();
    expect(publish).not.toHaveBeenCalled();
  });

  it('does not drain while another relay holds the lease', async () => {
    const boxes = memoryOutboxCollection('boxes', [{ _id: 'a', outbox: [entryFor('a', 1)] }]);
    const { relay, publish } = relayOver([boxes]);
    expect(await drainUnderLease(relay, heldLease(false))).toBeUndefined();
    expect(publish).not.toHaveBeenCalled();
  });

  it('drains round after round until the backlog is gone, renewing the lease each round', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => ({ _id: `d${i}`, outbox: [entryFor(`d${i}`, i)] }));
    const { relay } = relayOver([memoryOutboxCollection('boxes', docs)]);
    const lease = heldLease();
    expect(await drainUnderLease(relay, lease, { limit: 2, maxRounds: 10 })).toMatchObject({ published: 5, backlog: 0 });
    expect(lease.holds).toBe(3);
  });

  it('stops after maxRounds', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => ({ _id: `d${i}`, outbox: [entryFor(`d${i}`, i)] }));
    const { relay } = relayOver([memoryOutboxCollection('boxes', docs)]);
    expect(await drainUnderLease(relay, heldLease(), { limit: 2, maxRounds: 1 })).toMatchObject({ published: 2, backlog: 3 });
  });
});
