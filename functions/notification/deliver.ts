import { ConflictError, ServiceUnavailableError, UnprocessableError } from '../../layers/errors';
import type { EmailSender } from './email';
import type { MessageStore, TemplateStore } from './repository';
import {
  expectedOf,
  failureReason,
  isExpired,
  markExpired,
  markFailed,
  markSent,
  MASKED_SECRET,
  messageIdOf,
  startAttempt,
  type MessageDraft,
  type MessageRecord,
} from './rules';
import { DEFAULT_LOCALE, type Channel, type RenderedMessage, type TemplateKey } from './schemas';
import type { SmsProvider } from './sms';
import { DEFAULT_TEMPLATES, renderTemplate, type TemplateContent } from './templates';

/**
 * Delivery of one message caused by one event, shared by every notification consumer:
 * pick the tenant's template (or the built-in one), render it, record the message as
 * `pending`, send it, record `sent` or `failed`. A failed send throws, so the trigger
 * connector retries the event and finally dead-letters it; the redelivery tries again, and a
 * message already `sent` is never sent twice.
 */
export interface DeliverDeps {
  templates: Pick<TemplateStore, 'get'>;
  messages: MessageStore;
  email: EmailSender;
  sms: SmsProvider;
  /** Opens a sealed one-time secret (layers/sealing). */
  unseal: (sealed: string) => Promise<string>;
  now: () => Date;
}

export interface Delivery {
  tenantId: string;
  eventId: string;
  eventType: string;
  key: TemplateKey;
  channel: Channel;
  locale?: string;
  /** An email address or an E.164 number. */
  to: string;
  /** The template's variables, but `code`, which comes from `sealedSecret`. */
  variables: object;
  /** A one-time code or token: the message shows it as `code`, the record never holds it. */
  sealedSecret?: string;
  /** Past this instant the message is not worth sending (a code that expired). */
  expiresAt?: string;
}

export type DeliveryOutcome = 'sent' | 'already-sent' | 'expired';

/** The tenant's template in the locale, else in the default locale, else the built-in one. */
export const resolveTemplate = async (
  templates: Pick<TemplateStore, 'get'>,
  tenantId: string,
  key: TemplateKey,
  channel: Channel,
  locale: string,
): Promise<TemplateContent> => {
  for (const candidate of new Set([locale, DEFAULT_LOCALE])) {
    const stored = await templates.get(tenantId, key, channel, candidate);
    if (stored)
      return {
        ...(stored.subject !== undefined ? { subject: stored.subject } : {}),
        text: stored.text,
        ...(stored.html !== undefined ? { html: stored.html } : {}),
      };
  }
  return DEFAULT_TEMPLATES[key][channel];
};

const openSecret = async (unseal: DeliverDeps['unseal'], sealed: string): Promise<string> => {
  try {
    return await unseal(sealed);
  } catch {
    // Retrying cannot open it: a 422 sends the event to the DLQ at once.
    throw new UnprocessableError('The sealed one-time secret cannot be opened (another key, or altered).', 'unsealable_secret');
  }
};

const send = async (deps: DeliverDeps, channel: Channel, to: string, message: RenderedMessage): Promise<{ providerId: string }> =>
  channel === 'email'
    ? deps.email.send({ to, subject: message.subject ?? '', text: message.text, ...(message.html !== undefined ? { html: message.html } : {}) })
    : deps.sms.send(to, message.text);

const inProgress = (id: string) => new ConflictError(`Message ${id} is being delivered by another attempt; retry later.`, 'delivery_in_progress');

/** Writes the record of an attempt: inserted the first time, else moved on from the state it was read in. */
const record = async (messages: MessageStore, existing: MessageRecord | undefined, next: MessageRecord): Promise<void> => {
  const written = existing ? await messages.transition(next, expectedOf(existing)) : await messages.insert(next);
  if (!written) throw inProgress(next.id);
};

export const makeDeliver =
  (deps: DeliverDeps) =>
  async (delivery: Delivery): Promise<DeliveryOutcome> => {
    const { tenantId, eventId, eventType, key, channel, to } = delivery;
    const locale = delivery.locale ?? DEFAULT_LOCALE;
    const id = messageIdOf(eventId, channel);
    const existing = await deps.messages.get(tenantId, id);
    if (existing?.state === 'sent') return 'already-sent';

    const content = await resolveTemplate(deps.templates, tenantId, key, channel, locale);
    const hasSecret = delivery.sealedSecret !== undefined;
    // The stored copy is rendered with the secret masked, so it never holds the secret.
    const stored = renderTemplate(content, hasSecret ? { ...delivery.variables, code: MASKED_SECRET } : delivery.variables);
    const draft: MessageDraft = { id, tenantId, eventId, eventType, templateKey: key, channel, locale, to, subject: stored.subject ?? null, body: stored.text };

    if (isExpired(delivery.expiresAt, deps.now())) {
      await record(deps.messages, existing, markExpired(existing, draft, deps.now()));
      return 'expired';
    }
    const outgoing = hasSecret ? renderTemplate(content, { ...delivery.variables, code: await openSecret(deps.unseal, delivery.sealedSecret!) }) : stored;

    const attempt = startAttempt(existing, draft, deps.now())!;
    await record(deps.messages, existing, attempt);
    let providerId: string;
    try {
      ({ providerId } = await send(deps, channel, to, outgoing));
    } catch (error) {
      const reason = failureReason(error);
      if (!(await deps.messages.transition(markFailed(attempt, reason, deps.now()), expectedOf(attempt)))) throw inProgress(id);
      throw new ServiceUnavailableError(`The ${channel} message ${id} could not be sent (${reason}); the event will be retried.`, 'delivery_failed');
    }
    if (!(await deps.messages.transition(markSent(attempt, providerId, deps.now()), expectedOf(attempt)))) throw inProgress(id);
    return 'sent';
  };
