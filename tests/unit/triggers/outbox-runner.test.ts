import { describe, expect, it, vi } from 'vitest';
import type { Lease } from '../../../layers/events/lease';
import type { DrainResult, OutboxRelay } from '../../../layers/events/outbox';
import { runOutboxLoop } from '../../../triggers/outbox-runner';
import { silentLog } from '../events/support';

const EMPTY: DrainResult = { published: 0, aggregates: 0, backlog: 0, oldestAgeMs: 0 };

const setup = (opts: { held?: boolean; drain?: () => Promise<DrainResult>; sweepMs?: number } = {}) => {
  let nudge = (): void => undefined;
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
    limit: 10,
  });
  return { loop, relay, lease, unsubscribe, nudge: () => nudge() };
};

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('runOutboxLoop', () => {
  it('drains as soon as a writer nudges', async () => {
    const { loop, relay, nudge } = setup();
    await loop;
    nudge();
    await tick();
    expect(relay.drainOnce).toHaveBeenCalledWith({ limit: 10 });
    await (await loop).stop();
  });

  it('sweeps on its own', async () => {
    const { loop, relay } = setup({ sweepMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 45));
    expect(relay.drainOnce.mock.calls.length).toBeGreaterThanOrEqual(2);
    await (await loop).stop();
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
