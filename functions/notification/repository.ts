import type { Model } from 'mongoose';
import { serviceDb } from '../../layers/connections';
import type { Contact } from './commerce';
import { contactModel, messageModel, templateModel, type ContactDocument, type MessageDocument, type TemplateDocument } from './model';
import { templateIdOf, type Expected, type MessageRecord } from './rules';
import type { Channel, MessageState, TemplateInput, TemplateKey } from './schemas';

/** A tenant's stored template: the document without its `_id`, dates as ISO strings. */
export type StoredTemplate = Omit<TemplateDocument, '_id' | 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

export interface TemplateFilter {
  key?: TemplateKey;
  channel?: Channel;
  locale?: string;
}

export interface TemplateWrite {
  tenantId: string;
  key: TemplateKey;
  channel: Channel;
  input: TemplateInput;
  userId: string;
  now: Date;
}

/** The templates port: every call is scoped to one tenant. */
export interface TemplateStore {
  get(tenantId: string, key: TemplateKey, channel: Channel, locale: string): Promise<StoredTemplate | undefined>;
  /** Creates or replaces the template (last writer wins), counting versions. */
  upsert(write: TemplateWrite): Promise<{ template: StoredTemplate; created: boolean }>;
  /** Templates in `_id` order after `after`. */
  list(tenantId: string, filter: TemplateFilter, page: { after?: string; limit: number }): Promise<StoredTemplate[]>;
}

export interface MessageFilter {
  state?: MessageState;
  channel?: Channel;
}

/** The messages port: every call is scoped to one tenant. */
export interface MessageStore {
  get(tenantId: string, id: string): Promise<MessageRecord | undefined>;
  /** Inserts the record unless its id exists; false when it does. */
  insert(record: MessageRecord): Promise<boolean>;
  /** Replaces the stored record with `next` if it is still in the `expected` state; false otherwise. */
  transition(next: MessageRecord, expected: Expected): Promise<boolean>;
  /** Newest first: ids sorting before `before`. */
  list(tenantId: string, filter: MessageFilter, page: { before?: string; limit: number }): Promise<MessageRecord[]>;
}

const DUPLICATE_KEY = 11000;

const toStoredTemplate = (doc: TemplateDocument): StoredTemplate => ({
  tenantId: doc.tenantId,
  key: doc.key,
  channel: doc.channel,
  locale: doc.locale,
  ...(doc.subject != null ? { subject: doc.subject } : {}),
  text: doc.text,
  ...(doc.html != null ? { html: doc.html } : {}),
  version: doc.version,
  createdAt: new Date(doc.createdAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
  updatedBy: doc.updatedBy,
});

export const mongoTemplateStore = (model: Model<TemplateDocument>): TemplateStore => ({
  async get(tenantId, key, channel, locale) {
    const doc = await model.findOne({ _id: templateIdOf(tenantId, key, channel, locale), tenantId }).lean<TemplateDocument>();
    return doc ? toStoredTemplate(doc) : undefined;
  },
  async upsert({ tenantId, key, channel, input, userId, now }) {
    const { locale, subject, text, html } = input;
    const optional = { subject, html };
    const unset = Object.fromEntries(
      Object.entries(optional)
        .filter(([, value]) => value === undefined)
        .map(([field]) => [field, 1]),
    );
    const set = {
      key,
      channel,
      locale,
      text,
      updatedAt: now,
      updatedBy: userId,
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    };
    const write = () =>
      model.findOneAndUpdate(
        { _id: templateIdOf(tenantId, key, channel, locale), tenantId },
        { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}), $inc: { version: 1 }, $setOnInsert: { createdAt: now } },
        { upsert: true, new: true, lean: true, includeResultMetadata: true },
      );
    // Two first writes racing: one inserts, the other's insert hits the key and runs again as an update.
    const result = await write().catch((error: { code?: number }) => (error.code === DUPLICATE_KEY ? write() : Promise.reject(error)));
    const doc = result.value as TemplateDocument | null;
    if (!doc) throw new Error(`template upsert of ${key}/${channel} returned no document`);
    return { template: toStoredTemplate(doc), created: result.lastErrorObject?.updatedExisting === false };
  },
  async list(tenantId, filter, { after, limit }) {
    const query: Record<string, unknown> = { tenantId };
    if (filter.key) query.key = filter.key;
    if (filter.channel) query.channel = filter.channel;
    if (filter.locale) query.locale = filter.locale;
    if (after) query._id = { $gt: after };
    const docs = await model.find(query).sort({ _id: 1 }).limit(limit).lean<TemplateDocument[]>();
    return docs.map(toStoredTemplate);
  },
});

const toRecord = (doc: MessageDocument): MessageRecord => ({
  id: doc._id,
  tenantId: doc.tenantId,
  eventId: doc.eventId,
  eventType: doc.eventType,
  templateKey: doc.templateKey,
  channel: doc.channel,
  locale: doc.locale,
  to: doc.to,
  subject: doc.subject ?? null,
  body: doc.body,
  state: doc.state,
  attempts: doc.attempts,
  lastError: doc.lastError ?? null,
  providerId: doc.providerId ?? null,
  createdAt: new Date(doc.createdAt).toISOString(),
  updatedAt: new Date(doc.updatedAt).toISOString(),
  sentAt: doc.sentAt ? new Date(doc.sentAt).toISOString() : null,
});

const toDocument = ({ id, createdAt, updatedAt, sentAt, ...rest }: MessageRecord): MessageDocument => ({
  ...rest,
  _id: id,
  createdAt: new Date(createdAt),
  updatedAt: new Date(updatedAt),
  sentAt: sentAt ? new Date(sentAt) : null,
});

export const mongoMessageStore = (model: Model<MessageDocument>): MessageStore => ({
  async get(tenantId, id) {
    const doc = await model.findOne({ _id: id, tenantId }).lean<MessageDocument>();
    return doc ? toRecord(doc) : undefined;
  },
  async insert(record) {
    try {
      await model.create(toDocument(record));
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  },
  async transition(next, expected) {
    const { _id, tenantId, ...fields } = toDocument(next);
    const result = await model.updateOne({ _id, tenantId, state: expected.state, attempts: expected.attempts }, { $set: fields });
    return result.matchedCount === 1;
  },
  async list(tenantId, filter, { before, limit }) {
    const query: Record<string, unknown> = { tenantId };
    if (filter.state) query.state = filter.state;
    if (filter.channel) query.channel = filter.channel;
    if (before) query._id = { $lt: before };
    const docs = await model.find(query).sort({ _id: -1 }).limit(limit).lean<MessageDocument[]>();
    return docs.map(toRecord);
  },
});

export const templateStore = async (): Promise<TemplateStore> => mongoTemplateStore(templateModel(await serviceDb('notification')));
export const messageStore = async (): Promise<MessageStore> => mongoMessageStore(messageModel(await serviceDb('notification')));

/** The contacts port (commerce.ts): every call is scoped to one tenant; ids from commerce.ownerContactIdOf / orderContactIdOf. */
export interface ContactStore {
  /** Creates or replaces the contact (idempotent: the same event writes the same values). */
  put(tenantId: string, id: string, contact: Contact, now: Date): Promise<void>;
  get(tenantId: string, id: string): Promise<Contact | undefined>;
}

export const mongoContactStore = (model: Model<ContactDocument>): ContactStore => ({
  async put(tenantId, id, { email, name, tenantName }, now) {
    const write = () => model.updateOne({ _id: id, tenantId }, { $set: { email, name, tenantName, updatedAt: now } }, { upsert: true });
    // Two first writes racing: one inserts, the other's insert hits the key and runs again as an update.
    await write().catch((error: { code?: number }) => (error.code === DUPLICATE_KEY ? write() : Promise.reject(error)));
  },
  async get(tenantId, id) {
    const doc = await model.findOne({ _id: id, tenantId }).lean<ContactDocument>();
    return doc ? { email: doc.email, name: doc.name ?? null, tenantName: doc.tenantName ?? null } : undefined;
  },
});

export const contactStore = async (): Promise<ContactStore> => mongoContactStore(contactModel(await serviceDb('notification')));
