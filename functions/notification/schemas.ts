import { z } from 'zod';
import { DELIVERY_CHANNELS } from '../auth/events';

/** What a template is for: one per message purpose. */
export const TEMPLATE_KEYS = [
  'email-verification',
  'login-2fa',
  '2fa-setup',
  'password-reset',
  'welcome',
  'signin-flagged',
  'order-receipt',
  'order-cancelled',
  'payment-refunded',
  'stock-low',
] as const;
export const templateKey = z.enum(TEMPLATE_KEYS);
export type TemplateKey = z.infer<typeof templateKey>;

export const channel = z.enum(DELIVERY_CHANNELS);
export type Channel = z.infer<typeof channel>;

/** A BCP 47 language tag of the simple kind: `en`, `fr`, `pt-BR`. */
export const locale = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a language tag such as en or pt-BR');
export const DEFAULT_LOCALE = 'en';

export const MESSAGE_STATES = ['pending', 'sent', 'failed'] as const;
export const messageState = z.enum(MESSAGE_STATES);
export type MessageState = z.infer<typeof messageState>;

export const LIMITS = { subject: 200, text: 10_000, html: 50_000, smsText: 1_600 } as const;

export const templateParams = z.object({ key: templateKey, channel }).strict();

/** An email template has a subject and a text body (and may have an HTML one); an SMS template has a text only. */
export const templateInput = z
  .object({
    locale: locale.default(DEFAULT_LOCALE),
    subject: z.string().min(1).max(LIMITS.subject).optional(),
    text: z.string().min(1).max(LIMITS.text),
    html: z.string().min(1).max(LIMITS.html).optional(),
  })
  .strict();
export type TemplateInput = z.infer<typeof templateInput>;

export const renderedMessage = z.object({ subject: z.string().optional(), text: z.string(), html: z.string().optional() });
export type RenderedMessage = z.infer<typeof renderedMessage>;

export const template = z.object({
  key: templateKey,
  channel,
  locale,
  subject: z.string().optional(),
  text: z.string(),
  html: z.string().optional(),
  source: z.enum(['tenant', 'default']),
  version: z.number().int().nonnegative(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type Template = z.infer<typeof template>;

export const upsertedTemplate = template.extend({ preview: renderedMessage });

export const message = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  templateKey,
  channel,
  locale,
  to: z.string(),
  subject: z.string().nullable(),
  /** The text body with any one-time code or token replaced by a mask. */
  body: z.string(),
  state: messageState,
  attempts: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  providerId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sentAt: z.string().nullable(),
});
export type Message = z.infer<typeof message>;

export { page, pageQuery } from '../../layers/http/paging';
