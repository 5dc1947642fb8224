import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib, serviceDb } from '../../layers/connections';
import { tenantScopePlugin } from '../../layers/tenancy';
import { GENESIS_HASH, periodOf, type ChainEntry } from './chain';

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
  hash: string;
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
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      seq: { type: Number, required: true },
      hash: { type: String, required: true },
    },
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

/** Where a tenant's chain ends: the last entry's seq and hash (0 and the genesis hash when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

/**
 * Every hot-path read is a lookup by `_id` (the head by tenant, an entry by tenant and seq),
 * which every MongoDB-wire server serves from its primary key; FerretDB 1.24 on SQLite serves
 * nothing else from an index.
 */
export interface AuditStore {
  head(tenantId: string): Promise<ChainHead>;
  entryAt(tenantId: string, seq: number): Promise<ChainEntry | undefined>;
  /** 'conflict' when the seq is taken, or the event is in the chain already (unique index). */
  insert(entry: ChainEntry, recordedAt: Date): Promise<'inserted' | 'conflict'>;
  /** Moves the head forward to `to`; never backwards, so racing writers cannot undo each other. */
  advanceHead(tenantId: string, to: ChainHead): Promise<void>;
  /** Entries after `afterSeq` in seq order. */
  scan(tenantId: string, afterSeq: number, limit: number, filter?: QueryFilter): Promise<ChainEntry[]>;
  countByTypeAndPeriod(tenantId: string, range: { from: string; to: string }, granularity: 'day' | 'hour'): Promise<PeriodCount[]>;
}

const isDuplicateKey = (error: unknown): boolean => (error as { code?: number }).code === 11000;

const timeRange = (filter: QueryFilter): Record<string, string> | undefined =>
  filter.from || filter.to ? { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) } : undefined;

// The ids embed the tenant, so a lookup by id is tenant-scoped by construction.
const BY_TENANT_ID = { crossTenant: true };

export const mongoAuditStore = (entries: Model<AuditDocument>, heads: Model<HeadDocument>): AuditStore => ({
  async head(tenantId) {
    const doc = await heads.findOne({ _id: tenantId }).setOptions(BY_TENANT_ID).lean<HeadDocument>();
    return doc && doc.tenantId === tenantId ? { seq: doc.seq, hash: doc.hash } : EMPTY_HEAD;
  },
  async entryAt(tenantId, seq) {
    const doc = await entries
      .findOne({ _id: entryId(tenantId, seq) })
      .setOptions(BY_TENANT_ID)
      .lean<AuditDocument>();
    return doc && doc.tenantId === tenantId ? toEntry(doc) : undefined;
  },
  async insert(entry, recordedAt) {
    try {
      await entries.create({ ...entry, _id: entryId(entry.tenantId, entry.seq), ...periodOf(entry.time), recordedAt });
      return 'inserted';
    } catch (error) {
      if (isDuplicateKey(error)) return 'conflict';
      throw error;
    }
  },
  async advanceHead(tenantId, to) {
    const moved = await heads.updateOne({ _id: tenantId, tenantId, seq: { $lt: to.seq } }, { $set: { seq: to.seq, hash: to.hash } });
    if (moved.matchedCount > 0) return;
    try {
      await heads.create({ _id: tenantId, tenantId, seq: to.seq, hash: to.hash });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // the head exists and is at or past `to`
    }
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
