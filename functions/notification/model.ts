import type { Connection, Model, Schema } from 'mongoose';
import { mongooseLib } from '../../layers/connections';
import { tenantScopePlugin } from '../../layers/tenancy';
import type { Channel, MessageState, TemplateKey } from './schemas';

/** A tenant's template; `_id` is `<tenantId>:<key>:<channel>:<locale>` (rules.templateIdOf). */
export interface TemplateDocument {
  _id: string;
  tenantId: string;
  key: TemplateKey;
  channel: Channel;
  locale: string;
  subject?: string;
  text: string;
  html?: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

/** A message and its delivery state; `_id` is `<eventId>:<channel>` (rules.messageIdOf). */
export interface MessageDocument {
  _id: string;
  tenantId: string;
  eventId: string;
  eventType: string;
  templateKey: TemplateKey;
  channel: Channel;
  locale: string;
  to: string;
  subject: string | null;
  /** Rendered with the one-time secret masked: the secret is never stored. */
  body: string;
  state: MessageState;
  attempts: number;
  lastError: string | null;
  providerId: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

/** Built on first use, so a request that never touches Mongo never loads mongoose. */
const buildTemplateSchema = (): Schema<TemplateDocument> => {
  const { Schema } = mongooseLib();
  const schema = new Schema<TemplateDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      key: { type: String, required: true },
      channel: { type: String, required: true },
      locale: { type: String, required: true },
      subject: { type: String, required: false },
      text: { type: String, required: true },
      html: { type: String, required: false },
      version: { type: Number, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      updatedBy: { type: String, required: true },
    },
    { collection: 'templates', versionKey: false, strict: 'throw' },
  );
  schema.index({ tenantId: 1, _id: 1 });
  schema.plugin(tenantScopePlugin);
  return schema;
};

const buildMessageSchema = (): Schema<MessageDocument> => {
  const { Schema } = mongooseLib();
  const schema = new Schema<MessageDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      eventId: { type: String, required: true },
      eventType: { type: String, required: true },
      templateKey: { type: String, required: true },
      channel: { type: String, required: true },
      locale: { type: String, required: true },
      to: { type: String, required: true },
      subject: { type: String, default: null },
      body: { type: String, required: true },
      state: { type: String, required: true },
      attempts: { type: Number, required: true },
      lastError: { type: String, default: null },
      providerId: { type: String, default: null },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      sentAt: { type: Date, default: null },
    },
    { collection: 'messages', versionKey: false, strict: 'throw' },
  );
  // For MongoDB; FerretDB 1.24 serves only exact `_id` filters from an index.
  schema.index({ tenantId: 1, _id: -1 });
  schema.index({ tenantId: 1, state: 1, _id: -1 });
  schema.plugin(tenantScopePlugin);
  return schema;
};

let templateSchema: Schema<TemplateDocument> | undefined;
let messageSchema: Schema<MessageDocument> | undefined;

export const templateModel = (db: Connection): Model<TemplateDocument> =>
  (db.models.Template as Model<TemplateDocument> | undefined) ?? db.model<TemplateDocument>('Template', (templateSchema ??= buildTemplateSchema()));

export const messageModel = (db: Connection): Model<MessageDocument> =>
  (db.models.Message as Model<MessageDocument> | undefined) ?? db.model<MessageDocument>('Message', (messageSchema ??= buildMessageSchema()));

/** Whom to write to when an event names no address (commerce.ts); `_id` is commerce.ownerContactIdOf or orderContactIdOf. */
export interface ContactDocument {
  _id: string;
  tenantId: string;
  email: string;
  name: string | null;
  tenantName: string | null;
  updatedAt: Date;
}

const buildContactSchema = (): Schema<ContactDocument> => {
  const { Schema } = mongooseLib();
  const schema = new Schema<ContactDocument>(
    {
      _id: { type: String, required: true },
      tenantId: { type: String, required: true },
      email: { type: String, required: true },
      name: { type: String, default: null },
      tenantName: { type: String, default: null },
      updatedAt: { type: Date, required: true },
    },
    { collection: 'contacts', versionKey: false, strict: 'throw' },
  );
  schema.plugin(tenantScopePlugin);
  return schema;
};

let contactSchema: Schema<ContactDocument> | undefined;

export const contactModel = (db: Connection): Model<ContactDocument> =>
  (db.models.Contact as Model<ContactDocument> | undefined) ?? db.model<ContactDocument>('Contact', (contactSchema ??= buildContactSchema()));
