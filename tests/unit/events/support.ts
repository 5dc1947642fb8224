import { expect } from 'vitest';
import pino from 'pino';
import type { InboxRecord, InboxStore } from '../../../layers/events/inbox';
import type { OutboxCollection, OutboxDocument } from '../../../layers/events/outbox';
import type { OpenFaasEvent, OpenFaasHandler } from '../../../layers/http/openfaas';

export const silentLog = pino({ level: 'silent' });

/** The inbox port over a Map, with the same atomicity per call as the Mongo store. */
export const memoryInboxStore = (): InboxStore & { records: Map<string, InboxRecord> } => {
  const records = new Map<string, InboxRecord>();
  return {
    records,
    async insert(record) {
      if (records.has(record._id)) return false;
      records.set(record._id, { ...record });
      return true;
    },
    async get(key) {
      const record = records.get(key);
      return record ? { ...record } : undefined;
    },
    async takeOver(key, now, owner, leaseUntil) {
      const record = records.get(key);
      if (!record || record.state !== 'processing' || record.leaseUntil > now) return false;
      records.set(key, { ...record, owner, leaseUntil, attempts: record.attempts + 1 });
      return true;
    },
    async complete(key, at) {
      const record = records.get(key);
      if (record) records.set(key, { ...record, state: 'done', doneAt: at });
    },
    async release(key, owner) {
      const record = records.get(key);
      if (record?.owner === owner && record.state === 'processing') records.delete(key);
    },
  };
};

/**
 * An outbox collection over an array of documents: the relay's two filters (the sweep's, and
 * the lookup of one aggregate by id), `$pullAll` by whole value, and hooks to act between the
 * relay's read and its pull.
 */
export const memoryOutboxCollection = (name: string, docs: OutboxDocument[]) => {
  const calls = { find: 0, updateOne: 0, countDocuments: 0, filters: [] as Record<string, unknown>[] };
  const pending = (doc: OutboxDocument) => (doc.outbox?.length ?? 0) > 0;
  const collection: OutboxCollection & { docs: OutboxDocument[]; calls: typeof calls } = {
    collectionName: name,
    docs,
    calls,
    find(filter, options) {
      calls.find += 1;
      calls.filters.push(filter);
      const { _id, ...rest } = filter;
      expect(rest).toEqual({ 'outbox.0': { $exists: true } });
      if (_id !== undefined) expect(typeof _id).toBe('string'); // served from the primary key
      const found = docs.filter((doc) => pending(doc) && (_id === undefined || doc._id === _id)).slice(0, options.limit);
      return { toArray: async () => found.map((doc) => ({ _id: doc._id, outbox: structuredClone(doc.outbox) })) };
    },
    async updateOne(filter, update) {
      calls.updateOne += 1;
      const doc = docs.find((d) => d._id === filter._id);
      const pulled = (update.$pullAll as { outbox: { id: string }[] }).outbox;
      if (doc) doc.outbox = (doc.outbox ?? []).filter((entry) => !pulled.some((p) => JSON.stringify(p) === JSON.stringify(entry)));
    },
    async countDocuments() {
      calls.countDocuments += 1;
      return docs.filter(pending).length;
    },
  };
  return collection;
};

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Calls an OpenFaaS handler as the template would, capturing the reply. */
export const callHandler = async (handler: OpenFaasHandler, event: Partial<OpenFaasEvent>): Promise<CallResult> => {
  const reply: CallResult = { status: 200, headers: {}, body: undefined };
  const context = {
    status(code: number) {
      reply.status = code;
      return context;
    },
    headers(headers: Record<string, string>) {
      reply.headers = headers;
      return context;
    },
    succeed(value: unknown) {
      reply.body = value;
      return value;
    },
    fail(error: unknown) {
      throw error;
    },
  };
  await handler({ method: 'POST', path: '', query: {}, headers: {}, body: '', ...event }, context);
  return reply;
};
