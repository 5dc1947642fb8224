import { describe, expect, it, vi } from 'vitest';
import { ConflictError } from '../../../layers/errors';
import { EventInProgressError, inboxKey, makeInbox } from '../../../layers/events/inbox';
import { memoryInboxStore } from './support';

const clock = (start = 1_000_000) => {
  const time = { now: start };
  return { time, now: () => time.now };
};

describe('makeInbox', () => {
  it('runs the effect once: a redelivered finished event is a duplicate', async () => {
    const store = memoryInboxStore();
    const inbox = makeInbox(store);
    const effect = vi.fn(async () => undefined);
    expect(await inbox.run('orders-on-paid', 'e-1', 't', effect)).toBe('processed');
    expect(await inbox.run('orders-on-paid', 'e-1', 't', effect)).toBe('duplicate');
    expect(effect).toHaveBeenCalledTimes(1);
    expect(store.records.get(inboxKey('orders-on-paid', 'e-1'))).toMatchObject({ state: 'done', tenantId: 't', consumer: 'orders-on-paid', eventId: 'e-1' });
  });

  it('keeps consumers apart: the same event is processed once per consumer', async () => {
    const inbox = makeInbox(memoryInboxStore());
    expect(await inbox.run('a-on-x', 'e-1', 't', async () => undefined)).toBe('processed');
    expect(await inbox.run('b-on-x', 'e-1', 't', async () => undefined)).toBe('processed');
  });

  it('refuses a concurrent duplicate with a retryable 409 while the first is still running', async () => {
    const inbox = makeInbox(memoryInboxStore(), { leaseMs: 10_000 });
    let finish = (): void => undefined;
    const first = inbox.run('c', 'e-1', 't', () => new Promise<void>((resolve) => (finish = resolve)));
    await new Promise((resolve) => setImmediate(resolve));
    const second = inbox.run('c', 'e-1', 't', async () => undefined);
    await expect(second).rejects.toBeInstanceOf(EventInProgressError);
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await second.catch((error: EventInProgressError) => {
      expect(error.status).toBe(409);
      expect(error.code).toBe('event_in_progress');
      expect(error.headers['retry-after']).toBe('10');
    });
    finish();
    expect(await first).toBe('processed');
  });

  it('releases the claim when the effect fails, so the retry runs at once', async () => {
    const inbox = makeInbox(memoryInboxStore());
    await expect(inbox.run('c', 'e-1', 't', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    const effect = vi.fn(async () => undefined);
    expect(await inbox.run('c', 'e-1', 't', effect)).toBe('processed');
    expect(effect).toHaveBeenCalledTimes(1);
  });

  it('lets a redelivery take over after the lease of a crashed holder, not before', async () => {
    const store = memoryInboxStore();
    const { time, now } = clock();
    const inbox = makeInbox(store, { leaseMs: 5_000, now });
    // The first delivery claimed the event and died mid-effect: the claim stays 'processing'.
    await store.insert({
      _id: inboxKey('c', 'e-1'),
      consumer: 'c',
      eventId: 'e-1',
      tenantId: 't',
      state: 'processing',
      owner: 'dead',
      leaseUntil: time.now + 5_000,
      attempts: 1,
      createdAt: time.now,
    });

    time.now += 4_999;
    await expect(inbox.run('c', 'e-1', 't', async () => undefined)).rejects.toBeInstanceOf(EventInProgressError);

    time.now += 1;
    const effect = vi.fn(async () => undefined);
    expect(await inbox.run('c', 'e-1', 't', effect)).toBe('processed');
    expect(effect).toHaveBeenCalledTimes(1);
    expect(store.records.get(inboxKey('c', 'e-1'))).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('a late release by the crashed holder does not drop the new claim', async () => {
    const store = memoryInboxStore();
    const { time, now } = clock();
    const inbox = makeInbox(store, { leaseMs: 1_000, now });
    await store.insert({
      _id: 'c:e-1',
      consumer: 'c',
      eventId: 'e-1',
      tenantId: 't',
      state: 'processing',
      owner: 'dead',
      leaseUntil: time.now,
      attempts: 1,
      createdAt: time.now,
    });
    await inbox.run('c', 'e-1', 't', async () => {
      await store.release('c:e-1', 'dead');
      expect(store.records.get('c:e-1')?.state).toBe('processing');
    });
  });
});
