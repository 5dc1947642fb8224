import type { StoredTemplate } from './repository';
import type { Channel, Message, MessageState, Template, TemplateKey } from './schemas';

/**
 * Pure rules of message delivery: ids, the state machine of one message, cursors. No I/O;
 * times are passed in.
 *
 * A message's life: `pending` (recorded before the send is tried) → `sent`, or → `failed`
 * with the reason; a failed or still-pending message is tried again when its event is
 * delivered again, a sent one never is. `attempts` counts the sends tried.
 */
export interface MessageRecord extends Message {
  tenantId: string;
}

/** What a delivery knows before its first attempt: everything but the state. */
export type MessageDraft = Pick<MessageRecord, 'id' | 'tenantId' | 'eventId' | 'eventType' | 'templateKey' | 'channel' | 'locale' | 'to' | 'subject' | 'body'>;

/** Stands for the one-time code or token in every stored copy of a message. */
export const MASKED_SECRET = '[redacted]';

/** One message per event and channel, so a redelivered event finds the message it already made. */
export const messageIdOf = (eventId: string, channel: Channel): string => `${eventId}:${channel}`;

/** The `_id` of a tenant's template: an exact-id lookup is the fast path on FerretDB. */
export const templateIdOf = (tenantId: string, key: TemplateKey, channel: Channel, locale: string): string => `${tenantId}:${key}:${channel}:${locale}`;

/** Whole minutes from `from` until `expiresAt`, rounded up; 0 once it has passed. */
export const minutesUntil = (expiresAt: string, from: Date): number => Math.max(0, Math.ceil((Date.parse(expiresAt) - from.getTime()) / 60_000));

export const isExpired = (expiresAt: string | undefined, now: Date): boolean => expiresAt !== undefined && now.getTime() >= Date.parse(expiresAt);

/** The state a stored message must still be in for a transition to apply (optimistic check). */
export interface Expected {
  state: MessageState;
  attempts: number;
}

export const expectedOf = (record: MessageRecord): Expected => ({ state: record.state, attempts: record.attempts });

/**
 * The record of the attempt about to be made, or undefined when the message was sent already
 * (a redelivery does nothing). A retry keeps the creation time and counts one more attempt.
 */
export const startAttempt = (existing: MessageRecord | undefined, draft: MessageDraft, now: Date): MessageRecord | undefined => {
  const at = now.toISOString();
  if (!existing) return { ...draft, state: 'pending', attempts: 1, lastError: null, providerId: null, createdAt: at, updatedAt: at, sentAt: null };
  if (existing.state === 'sent') return undefined;
  return { ...existing, subject: draft.subject, body: draft.body, state: 'pending', attempts: existing.attempts + 1, updatedAt: at };
};

export const markSent = (record: MessageRecord, providerId: string, now: Date): MessageRecord => ({
  ...record,
  state: 'sent',
  providerId,
  sentAt: now.toISOString(),
  updatedAt: now.toISOString(),
});

const MAX_ERROR_LENGTH = 500;

export const markFailed = (record: MessageRecord, reason: string, now: Date): MessageRecord => ({
  ...record,
  state: 'failed',
  lastError: reason.slice(0, MAX_ERROR_LENGTH),
  updatedAt: now.toISOString(),
});

export const EXPIRED_REASON = 'code_expired: the code expired before it could be delivered';

/** A code that expired before it went out is not sent at all: recorded as failed, with no attempt. */
export const markExpired = (existing: MessageRecord | undefined, draft: MessageDraft, now: Date): MessageRecord => {
  const at = now.toISOString();
  const base: MessageRecord = existing ?? {
    ...draft,
    state: 'failed',
    attempts: 0,
    lastError: null,
    providerId: null,
    createdAt: at,
    updatedAt: at,
    sentAt: null,
  };
  return { ...base, state: 'failed', lastError: EXPIRED_REASON, updatedAt: at };
};

/** The one-line reason of a failed send, for the record (never the message itself). */
export const failureReason = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error).slice(0, MAX_ERROR_LENGTH);
  const code = (error as Error & { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message.split('\n')[0]}`.slice(0, MAX_ERROR_LENGTH);
};

/** A stored template as the API shows it. */
export const toTemplate = (stored: StoredTemplate): Template => ({
  key: stored.key,
  channel: stored.channel,
  locale: stored.locale,
  ...(stored.subject !== undefined ? { subject: stored.subject } : {}),
  text: stored.text,
  ...(stored.html !== undefined ? { html: stored.html } : {}),
  source: 'tenant',
  version: stored.version,
  updatedAt: stored.updatedAt,
  updatedBy: stored.updatedBy,
});

export const toMessage = ({ tenantId: _tenant, ...message }: MessageRecord): Message => message;

export { decodeCursor, encodeCursor, toPage } from '../../layers/http/paging';
