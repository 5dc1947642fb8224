import { describe, expect, it, vi } from 'vitest';
import type { Lease } from '../../../layers/locks/lease';
import type { DrainResult, OutboxRelay, OutboxTarget } from '../../../layers/events/outbox';
import { runOutboxLoop } from '../../../triggers/outbox-runner';
import { silentLog } from '../events/support';

const EMPTY: DrainResult = { published: 0, aggregates: 0, backlog: 0, oldestAgeMs: 0 };

const setup = (opts: { held?: boolean; drain?: () => Promise<DrainResult>; sweepMs?: number; maxSweepMs?: number; limit?: number } = {}) => {
  let nudge = (_target?: OutboxTarget): void => undefined;
  const unsubscribe = vi.fn(async () => undefined);
  const relay: OutboxRelay & { drainOnce: ReturnType<typeof vi.fn> } = { drainOnce: vi.fn(opts.drain ?? (async () => EMPTY)) };
  const lease: Lease = { hold: vi.fn(async () => opts.held ?? true), release: vi.fn(async () => undefined) };
  const loop = runOutboxLoop({
    relay,
    lease,
    subscribe: async (onNudge) => {
      nudge = onNudge;
      return unsubscribe;
    },
    log: silentLog,
    sweepMs: opts.sweepMs ?? 60_000,
    ...(opts.maxSweepMs ? { maxSweepMs: opts.maxSweepMs } : {}),
    limit: opts.limit ?? 10,
  });
  return { loop, relay, lease, unsubscribe, nudge: (target?: OutboxTarget) => nudge(target) };
};

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

const product = (id: string): OutboxTarget => ({ service: 'products', collection: 'products', id });

/** A drain that waits until the test releases it. */
const gatedDrain = () => {
  const gate = { release: (): void => undefined };
  const drain = async () => {
    await new Promise<void>((resolve) => (gate.release = resolve));
    return EMPTY;
  };
  return { gate, drain };
};

describe('runOutboxLoop', () => {
  it('sweeps as soon as a writer nudges without a target', async () => {
    const { loop, relay, nudge } = setup();
    await loop;
    nudge();
    await tick();
    expect(relay.drainOnce).toHaveBeenCalledWith({ limit: 10 });
    await (await loop).stop();
  });

  it('drains just the aggregate a nudge names, under the lease', async () => {
    const { loop, relay, lease, nudge } = setup();
    await loop;
    nudge(product('p1'));
    await tick();
    expect(relay.drainOnce).toHaveBeenCalledTimes(1);
    expect(relay.drainOnce).toHaveBeenCalledWith({ limit: 10, targets: [product('p1')] });
    expect(lease.hold).toHaveBeenCalledTimes(1);
    await (await loop).stop();
  });

  it('collects the targets of nudges during a drain and drains them together right after', async () => {
    const { gate, drain } = gatedDrain();
    const { loop, relay, nudge } = setup({ drain });
    await loop;
    nudge(product('p1'));
    await tick();
    nudge(product('p2'));
    nudge(product('p3'));
    nudge(product('p2'));
    gate.release();
    await tick();
    gate.release();
    await tick();
    expect(relay.drainOnce.mock.calls.map(([options]) => options)).toEqual([
      { limit: 10, targets: [product('p1')] },
      { limit: 10, targets: [product('p2'), product('p3')] },
    ]);
    await (await loop).stop();
  });

  it('takes at most `limit` targets per drain', async () => {
    const { gate, drain } = gatedDrain();
    const { loop, relay, nudge } = setup({ drain, limit: 2 });
    await loop;
    nudge(product('p0'));
    await tick();
    for (const id of ['p1', 'p2', 'p3']) nudge(product(id));
    for (let i = 0; i < 3; i += 1) {
      gate.release();
      await tick();
    }
    expect(relay.drainOnce.mock.calls.map(([options]) => options.targets)).toEqual([[product('p0')], [product('p1'), product('p2')], [product('p3')]]);
    await (await loop).stop();
  });

  it('lets a sweep asked for during a drain cover the targets collected before it', async () => {
    const { gate, drain } = gatedDrain();
    const { loop, relay, nudge } = setup({ drain });
    const runner = await loop;
    nudge(product('p1'));
    await tick();
    nudge(product('p2'));
    nudge();
    gate.release();
    await tick();
    expect(relay.drainOnce.mock.calls.map(([options]) => options)).toEqual([{ limit: 10, targets: [product('p1')] }, { limit: 10 }]);
    nudge(product('p3')); // during the sweep: drained after it
    gate.release();
    await tick();
    gate.release();
    await tick();
    expect(relay.drainOnce.mock.calls.map(([options]) => options)).toEqual([
      { limit: 10, targets: [product('p1')] },
      { limit: 10 },
      { limit: 10, targets: [product('p3')] },
    ]);
    await runner.stop();
  });

  it('sweeps on its own', async () => {
    const { loop, relay } = setup({ sweepMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 45));
    expect(relay.drainOnce.mock.calls.length).toBeGreaterThanOrEqual(2);
    await (await loop).stop();
  });

  it('backs off while sweeps find nothing, and sweeps at sweepMs again once one publishes', async () => {
    vi.useFakeTimers();
    try {
      let pending = 0;
      let failing = false;
      const drain = async () => {
        if (failing) throw new Error('broker away');
        return { ...EMPTY, published: pending };
      };
      const { loop, relay } = setup({ sweepMs: 100, maxSweepMs: 400, drain });
      const runner = await loop;
      const sweepsBy = async (ms: number) => {
        await vi.advanceTimersByTimeAsync(ms);
        return relay.drainOnce.mock.calls.length;
      };
      // Nothing to publish: sweeps at 100, 300 (+200), 700 (+400), 1100 (+400, the cap).
      expect(await sweepsBy(100)).toBe(1);
      expect(await sweepsBy(199)).toBe(1);
      expect(await sweepsBy(1)).toBe(2);
      expect(await sweepsBy(400)).toBe(3);
      expect(await sweepsBy(400)).toBe(4);
      // A sweep that publishes (a nudge was lost, a writer crashed): back to every 100 ms.
      pending = 3;
      expect(await sweepsBy(400)).toBe(5);
      expect(await sweepsBy(100)).toBe(6);
      expect(await sweepsBy(100)).toBe(7);
      // Failing drains (the broker away) keep it at 100 ms too.
      failing = true;
      expect(await sweepsBy(100)).toBe(8);
      expect(await sweepsBy(100)).toBe(9);
      await runner.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('never overlaps drains, and drains once more after nudges that came during one', async () => {
    let active = 0;
    let overlapped = false;
    let release = (): void => undefined;
    const { loop, relay, nudge } = setup({
      drain: async () => {
        active += 1;
        overlapped ||= active > 1;
        await new Promise<void>((resolve) => (release = resolve));
        active -= 1;
        return EMPTY;
      },
    });
    const runner = await loop;
    const first = runner.drain();
    await tick();
    nudge();
    nudge();
    nudge();
    release();
    await tick();
    release();
    await first;
    expect(relay.drainOnce).toHaveBeenCalledTimes(2);
    expect(overlapped).toBe(false);
    await runner.stop();
  });

  it('keeps draining while the backlog goes down', async () => {
    const results = [
      { ...EMPTY, published: 10, backlog: 5 },
      { ...EMPTY, published: 5, backlog: 0 },
    ];
    const { loop, relay } = setup({ drain: async () => results.shift() ?? EMPTY });
    await (await loop).drain();
    expect(relay.drainOnce).toHaveBeenCalledTimes(2);
    await (await loop).stop();
  });

  it('leaves the draining to the holder of the lease', async () => {
    const { loop, relay } = setup({ held: false });
    await (await loop).drain();
    expect(relay.drainOnce).not.toHaveBeenCalled();
    await (await loop).stop();
  });

  it('survives a failing drain', async () => {
    const { loop, relay } = setup({ drain: async () => Promise.reject(new Error('broker down')) });
    await (await loop).drain();
    await (await loop).drain();
    expect(relay.drainOnce).toHaveBeenCalledTimes(2);
    await (await loop).stop();
  });

  it('stops: unsubscribes, stops sweeping and gives the lease up', async () => {
    const { loop, relay, lease, unsubscribe } = setup({ sweepMs: 5 });
    const runner = await loop;
    await runner.stop();
    const calls = relay.drainOnce.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(relay.drainOnce.mock.calls.length).toBe(calls);
    expect(unsubscribe).toHaveBeenCalled();
    expect(lease.release).toHaveBeenCalled();
  });
});
