import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib, serviceDb } from '../../layers/connections';
import { tenantScopePlugin } from '../../layers/tenancy';
import { periodOf, type ChainEntry } from './chain';

interface AuditDocument extends ChainEntry {
  _id: string;
  day: string;
  hour: string;
  recordedAt: Date;
}

interface HeadDocument {
  _id: string;
  tenantId: string;
  seq: number;
}

/** Built on first use, so a request that never touches Mongo never loads mongoose. */
const buildSchemas = (): { entries: Schema<AuditDocument>; heads: Schema<HeadDocument> } => {
  const { Schema } = mongooseLib();
  const auditSchema = new Schema<AuditDocument>(
    {
      // The id embeds tenant and zero-padded seq: two writers can never both take the same seq.
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      seq: { type: Number, required: true },
      eventId: { type: String, required: true },
      type: { type: String, required: true },
      source: { type: String, required: true },
      subject: { type: String, required: true },
      time: { type: String, required: true },
      data: { type: String, required: true },
      prevHash: { type: String, required: true },
      hash: { type: String, required: true },
      day: { type: String, required: true },
      hour: { type: String, required: true },
      recordedAt: { type: Date, required: true },
    },
    { collection: 'audit_entries', versionKey: false, strict: 'throw' },
  );
  auditSchema.index({ tenantId: 1, eventId: 1 }, { unique: true });
  auditSchema.index({ tenantId: 1, seq: 1 });
  auditSchema.index({ tenantId: 1, time: 1 });
  auditSchema.plugin(tenantScopePlugin);

  const headSchema = new Schema<HeadDocument>(
    { _id: { type: String, required: true }, tenantId: { type: String, required: true }, seq: { type: Number, required: true } },
    { collection: 'audit_heads', versionKey: false },
  );
  headSchema.plugin(tenantScopePlugin);

  return { entries: auditSchema, heads: headSchema };
};

let schemas: ReturnType<typeof buildSchemas> | undefined;

export const entryId = (tenantId: string, seq: number): string => `${tenantId}:${String(seq).padStart(12, '0')}`;

const toEntry = (doc: AuditDocument): ChainEntry => ({
  tenantId: doc.tenantId,
  seq: doc.seq,
  eventId: doc.eventId,
  type: doc.type,
  source: doc.source,
  subject: doc.subject,
  time: doc.time,
  data: doc.data,
  prevHash: doc.prevHash,
  hash: doc.hash,
});

export interface QueryFilter {
  type?: string;
  subject?: string;
  from?: string;
  to?: string;
}

export interface PeriodCount {
  type: string;
  period: string;
  count: number;
}

export interface AuditStore {
  last(tenantId: string): Promise<ChainEntry | undefined>;
  hasEvent(tenantId: string, eventId: string): Promise<boolean>;
  /** 'seq_taken' when another writer appended first; the caller re-reads the tail and retries. */
  insert(entry: ChainEntry, recordedAt: Date): Promise<'inserted' | 'seq_taken'>;
  raiseHead(tenantId: string, seq: number): Promise<void>;
  headSeq(tenantId: string): Promise<number>;
  /** Entries after `afterSeq` in seq order. */
  scan(tenantId: string, afterSeq: number, limit: number, filter?: QueryFilter): Promise<ChainEntry[]>;
  countByTypeAndPeriod(tenantId: string, range: { from: string; to: string }, granularity: 'day' | 'hour'): Promise<PeriodCount[]>;
}

const isDuplicateKey = (error: unknown): boolean => (error as { code?: number }).code === 11000;

const timeRange = (filter: QueryFilter): Record<string, string> | undefined =>
  filter.from || filter.to ? { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) } : undefined;

export const mongoAuditStore = (entries: Model<AuditDocument>, heads: Model<HeadDocument>): AuditStore => ({
  async last(tenantId) {
    const doc = await entries.findOne({ tenantId }).sort({ seq: -1 }).lean<AuditDocument>();
    return doc ? toEntry(doc) : undefined;
  },
  async hasEvent(tenantId, eventId) {
    return (await entries.countDocuments({ tenantId, eventId })) > 0;
  },
  async insert(entry, recordedAt) {
    try {
      await entries.create({ ...entry, _id: entryId(entry.tenantId, entry.seq), ...periodOf(entry.time), recordedAt });
      return 'inserted';
    } catch (error) {
      if (isDuplicateKey(error)) return 'seq_taken';
      throw error;
    }
  },
  async raiseHead(tenantId, seq) {
    await heads.updateOne({ _id: tenantId, tenantId }, { $max: { seq } }, { upsert: true });
  },
  async headSeq(tenantId) {
    return (await heads.findOne({ _id: tenantId, tenantId }).lean<HeadDocument>())?.seq ?? 0;
  },
  async scan(tenantId, afterSeq, limit, filter = {}) {
    const query: Record<string, unknown> = { tenantId, seq: { $gt: afterSeq } };
    if (filter.type) query.type = filter.type;
    if (filter.subject) query.subject = filter.subject;
    const time = timeRange(filter);
    if (time) query.time = time;
    const docs = await entries.find(query).sort({ seq: 1 }).limit(limit).lean<AuditDocument[]>();
    return docs.map(toEntry);
  },
  async countByTypeAndPeriod(tenantId, range, granularity) {
    const rows = await entries.aggregate<{ _id: { type: string; period: string }; count: number }>([
      { $match: { tenantId, time: { $gte: range.from, $lt: range.to } } },
      { $group: { _id: { type: '$type', period: `$${granularity}` }, count: { $sum: 1 } } },
    ]);
    return rows.map((row) => ({ type: row._id.type, period: row._id.period, count: row.count }));
  },
});

const model = <T>(db: Connection, name: string, schema: Schema<T>): Model<T> => (db.models[name] as Model<T> | undefined) ?? db.model<T>(name, schema);

export const auditStore = async (): Promise<AuditStore> => {
  const db = await serviceDb('audit');
  schemas ??= buildSchemas();
  return mongoAuditStore(model(db, 'AuditEntry', schemas.entries), model(db, 'AuditHead', schemas.heads));
};
