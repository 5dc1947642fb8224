import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { serviceDb } from '../connections';
import { ConflictError } from '../errors';

/**
 * Exactly-once effects over at-least-once delivery. A consumer claims `<consumer>:<eventId>`
 * before its effect and marks it done after: a redelivered finished event is dropped; a
 * claim whose holder crashed mid-effect expires after its lease so a redelivery can retry;
 * a duplicate arriving while the first is still running is refused with a retryable 409.
 * Times are milliseconds since the epoch (`Date.now()`).
 */
export type InboxState = 'processing' | 'done';

export interface InboxRecord {
  _id: string;
  consumer: string;
  eventId: string;
  tenantId: string;
  state: InboxState;
  /** Who holds the claim; a released or taken-over claim is no longer theirs. */
  owner: string;
  leaseUntil: number;
  attempts: number;
  createdAt: number;
  doneAt?: number;
}

/** The persistence port: a few primitives, each one atomic on one record. */
export interface InboxStore {
  /** Inserts `record` unless its key exists; false when it does. */
  insert(record: InboxRecord): Promise<boolean>;
  get(key: string): Promise<InboxRecord | undefined>;
  /** Claims a processing record whose lease ended at or before `now`; false if someone else did first. */
  takeOver(key: string, now: number, owner: string, leaseUntil: number): Promise<boolean>;
  complete(key: string, at: number): Promise<void>;
  /** Drops the claim of `owner` after a failed effect, so a retry need not wait for the lease. */
  release(key: string, owner: string): Promise<void>;
}

export type InboxOutcome = 'processed' | 'duplicate';

export class EventInProgressError extends ConflictError {
  constructor(key: string, retryAfterSeconds: number) {
    super(`Event ${key} is being processed; retry later.`, 'event_in_progress', { retryAfter: retryAfterSeconds });
    this.headers['retry-after'] = String(retryAfterSeconds);
  }
}

export interface InboxOptions {
  /** How long a claim holds before a redelivery may take it over; about the function's timeout. */
  leaseMs?: number;
  now?: () => number;
}

export interface Inbox {
  run(consumer: string, eventId: string, tenantId: string, effect: () => Promise<void>): Promise<InboxOutcome>;
}

const defaults: Required<InboxOptions> = { leaseMs: 30_000, now: Date.now };

export const inboxKey = (consumer: string, eventId: string): string => `${consumer}:${eventId}`;

export const makeInbox = (store: InboxStore, opts: InboxOptions = {}): Inbox => {
  const options = { ...defaults, ...opts };

  /** True when this caller now holds the claim; 'duplicate' when the event is done. */
  const claim = async (key: string, record: InboxRecord): Promise<boolean | 'duplicate'> => {
    if (await store.insert(record)) return true;
    const existing = await store.get(key);
    if (!existing) return store.insert(record); // released between our insert and read
    if (existing.state === 'done') return 'duplicate';
    if (existing.leaseUntil > record.createdAt) return false;
    return store.takeOver(key, record.createdAt, record.owner, record.leaseUntil);
  };

  const run = async (consumer: string, eventId: string, tenantId: string, effect: () => Promise<void>): Promise<InboxOutcome> => {
    const key = inboxKey(consumer, eventId);
    const now = options.now();
    const owner = randomUUID();
    const record: InboxRecord = {
      _id: key,
      consumer,
      eventId,
      tenantId,
      state: 'processing',
      owner,
      leaseUntil: now + options.leaseMs,
      attempts: 1,
      createdAt: now,
    };
    const claimed = await claim(key, record);
    if (claimed === 'duplicate') return 'duplicate';
    if (!claimed) throw new EventInProgressError(key, Math.max(1, Math.ceil(options.leaseMs / 1000)));
    try {
      await effect();
    } catch (error) {
      await store.release(key, owner).catch(() => undefined);
      throw error;
    }
    await store.complete(key, options.now());
    return 'processed';
  };

  return { run };
};

const DUPLICATE_KEY = 11000;

export const mongoInboxStore = (collection: mongo.Collection<InboxRecord>): InboxStore => ({
  async insert(record) {
    try {
      await collection.insertOne(record);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  },
  async get(key) {
    return (await collection.findOne({ _id: key })) ?? undefined;
  },
  async takeOver(key, now, owner, leaseUntil) {
    const result = await collection.updateOne(
      { _id: key, state: 'processing', leaseUntil: { $lte: now } },
      { $set: { owner, leaseUntil }, $inc: { attempts: 1 } },
    );
    return result.modifiedCount === 1;
  },
  async complete(key, at) {
    await collection.updateOne({ _id: key }, { $set: { state: 'done', doneAt: at } });
  },
  async release(key, owner) {
    await collection.deleteOne({ _id: key, owner, state: 'processing' });
  },
});

/** The inbox of a consumer in `service`: collection `inbox` in the service's database. */
export const serviceInbox = async (service: string, options: InboxOptions = {}): Promise<Inbox> =>
  makeInbox(mongoInboxStore((await serviceDb(service)).collection<InboxRecord>('inbox')), options);
