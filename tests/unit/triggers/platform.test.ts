import { describe, expect, it, vi } from 'vitest';
import type { Lease } from '../../../layers/locks/lease';
import type { OutboxRelay } from '../../../layers/events/outbox';
import dlqReplay, { replayRequest } from '../../../functions/platform/dlq-replay';
import { countOf, pendingRanges, replayGroupOf } from '../../../triggers/dead-letter';
import outboxRelay, { makeRelayOnce } from '../../../functions/platform/outbox-relay';

describe('platform-dlq-replay', () => {
  it('computes what is left per partition from the group position to the high watermark', () => {
    const ranges = pendingRanges(
      [
        { partition: 0, low: '0', high: '5' },
        { partition: 1, low: '3', high: '3' },
        { partition: 2, low: '4', high: '9' },
      ],
      [
        { partition: 0, offset: '2' },
        { partition: 2, offset: '-1' },
      ],
    );
    expect([...ranges]).toEqual([
      [0, { from: 2, to: 5 }],
      [2, { from: 4, to: 9 }],
    ]);
    expect(countOf(ranges)).toBe(8);
  });

  it('validates its request', () => {
    expect(replayRequest.parse({ topic: 'a.b.c' })).toEqual({ topic: 'a.b.c', max: 100 });
    expect(replayRequest.safeParse({ topic: 'a.b.c.dlq' }).success).toBe(false);
    expect(replayRequest.safeParse({ topic: 'a.b.c', function: '$where' }).success).toBe(false);
    expect(replayRequest.safeParse({ topic: 'a.b.c', max: 0 }).success).toBe(false);
    expect(replayGroupOf('a.b.c')).toBe('platform-dlq-replay.a.b.c');
  });

  it('is an HTTP operation for the platform role', () => {
    expect(dlqReplay.operation).toMatchObject({ name: 'platform-dlq-replay', method: 'POST', auth: 'platform' });
  });
});

describe('platform-outbox-relay', () => {
  const lease = (held: boolean): Lease => ({ hold: vi.fn(async () => held), release: vi.fn(async () => undefined) });
  const relay = (): OutboxRelay => ({ drainOnce: vi.fn(async () => ({ published: 2, aggregates: 1, backlog: 0, oldestAgeMs: 40 })) });

  it('drains once under the lease and gives it back', async () => {
    const held = lease(true);
    expect(await makeRelayOnce({ relay: relay(), lease: held, limit: 5 })()).toEqual({
      drained: true,
      published: 2,
      aggregates: 1,
      backlog: 0,
      oldestAgeMs: 40,
    });
    expect(held.release).toHaveBeenCalled();
  });

  it('skips while the always-on runner holds the lease', async () => {
    const busy = relay();
    expect(await makeRelayOnce({ relay: busy, lease: lease(false), limit: 5 })()).toEqual({ drained: false });
    expect(busy.drainOnce).not.toHaveBeenCalled();
  });

  it('is a scheduled function', () => {
    expect(outboxRelay.consumer).toMatchObject({ kind: 'scheduled', name: 'platform-outbox-relay' });
  });
});
