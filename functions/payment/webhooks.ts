import { createHmac, timingSafeEqual } from 'node:crypto';
import type Stripe from 'stripe';
import { z } from 'zod';
import { BadRequestError } from '../../layers/errors';
import { orderId as orderIdSchema } from '../orders/events';
import type { Outcome, Provider } from './rules';

/**
 * Verifying and reading provider webhooks. Both are public endpoints: the signature over the
 * raw body is the only authentication, and the tenant and order come from the verified
 * payload's metadata, never from anything unsigned. Refusals are 400 problems with a stable
 * code (`webhook_signature_missing`, `webhook_signature_invalid`, `webhook_timestamp_stale`);
 * a replay (an event id already applied) is refused later, atomically with the write, as 409
 * `webhook_replayed` (rules.ts). Providers resend only what was not answered 2xx; a delivery we
 * failed (5xx) was not recorded, so its retry is applied normally (steps.ts completes a refund
 * such a delivery left pending).
 */
export type WebhookDecision =
  | {
      kind: 'apply';
      provider: Provider;
      tenantId: string;
      orderId: string;
      buyerId: string | null;
      /** The provider's event id: Stripe's `evt_…`; for Paystack, which has none, `<event>:<transaction id>`. */
      eventId: string;
      outcome: Outcome;
    }
  | { kind: 'ignore'; reason: string };

export const signatureMissing = (header: string) => new BadRequestError(`The ${header} header is required.`, 'webhook_signature_missing');
const signatureInvalid = () => new BadRequestError('The webhook signature does not match its body.', 'webhook_signature_invalid');

type StripeWebhooks = Pick<Stripe['webhooks'], 'constructEvent'>;

/**
 * Stripe's scheme through the library: `Stripe-Signature: t=<unix seconds>,v1=<hex>`, the v1
 * being HMAC-SHA256 of `<t>.<raw body>` with the endpoint secret; older than `toleranceSeconds`
 * is stale. `nowMs` is when the request was received.
 */
export const verifyStripeEvent = (
  webhooks: StripeWebhooks,
  input: { rawBody: string | undefined; signature: string | undefined; secret: string; toleranceSeconds: number; nowMs: number },
): Stripe.Event => {
  if (!input.signature) throw signatureMissing('Stripe-Signature');
  if (input.rawBody === undefined) throw signatureInvalid();
  try {
    return webhooks.constructEvent(input.rawBody, input.signature, input.secret, input.toleranceSeconds, undefined, input.nowMs);
  } catch (error) {
    if (/tolerance/i.test((error as Error).message ?? '')) {
      throw new BadRequestError(`The webhook's timestamp is older than ${input.toleranceSeconds} s.`, 'webhook_timestamp_stale');
    }
    throw signatureInvalid();
  }
};

/** Paystack's scheme: `x-paystack-signature` is the hex HMAC-SHA512 of the raw body with the secret key. Constant-time compare. */
export const verifyPaystackSignature = (input: { rawBody: string | undefined; signature: string | undefined; secret: string }): void => {
  if (!input.signature) throw signatureMissing('x-paystack-signature');
  if (input.rawBody === undefined) throw signatureInvalid();
  const expected = createHmac('sha512', input.secret).update(input.rawBody, 'utf8').digest();
  const given = /^[0-9a-f]+$/i.test(input.signature) ? Buffer.from(input.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw signatureInvalid();
};

const ourMetadata = z.object({ tenantId: z.string().min(1).max(200), orderId: orderIdSchema, buyerId: z.string().min(1).optional() });

const STRIPE_INTENT_EVENTS = new Set(['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled']);

/** What a verified Stripe event means for a payment of ours; other events and foreign intents are ignored. */
export const stripeDecision = (event: Stripe.Event): WebhookDecision => {
  if (!STRIPE_INTENT_EVENTS.has(event.type)) return { kind: 'ignore', reason: `${event.type} is not handled` };
  const intent = event.data.object as Stripe.PaymentIntent;
  const metadata = ourMetadata.safeParse(intent.metadata ?? {});
  if (!metadata.success) return { kind: 'ignore', reason: 'not a payment of this marketplace' };
  const currency = intent.currency.toUpperCase();
  let outcome: Outcome;
  if (event.type === 'payment_intent.succeeded') {
    outcome = { kind: 'succeeded', reference: intent.id, amount: intent.amount_received || intent.amount, currency };
  } else {
    const error = intent.last_payment_error;
    const reason =
      event.type === 'payment_intent.canceled'
        ? `canceled${intent.cancellation_reason ? `: ${intent.cancellation_reason}` : ''}`
        : (error?.decline_code ?? error?.code ?? error?.message ?? 'payment_failed');
    outcome = { kind: 'failed', reference: intent.id, reason: reason.slice(0, 500), amount: intent.amount, currency };
  }
  const { tenantId, orderId, buyerId } = metadata.data;
  return { kind: 'apply', provider: 'stripe', tenantId, orderId, buyerId: buyerId ?? null, eventId: event.id, outcome };
};

const paystackEvent = z.object({
  event: z.string().min(1),
  data: z
    .object({
      id: z.union([z.number().int(), z.string().min(1)]),
      reference: z.string().min(1),
      status: z.string(),
      amount: z.number().int().min(0),
      currency: z.string().regex(/^[A-Za-z]{3}$/),
      metadata: z.unknown().optional(),
    })
    .passthrough(),
});

/** Paystack may hand metadata back as the JSON string it was given. */
const metadataOf = (value: unknown): unknown => {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
};

/** What a verified Paystack event means; only `charge.success` decides a payment (Paystack sends no failure event). */
export const paystackDecision = (payload: unknown): WebhookDecision => {
  const parsed = paystackEvent.safeParse(payload);
  if (!parsed.success) return { kind: 'ignore', reason: 'not a transaction event' };
  const { event, data } = parsed.data;
  if (event !== 'charge.success' || data.status !== 'success') return { kind: 'ignore', reason: `${event} is not handled` };
  const metadata = ourMetadata.safeParse(metadataOf(data.metadata));
  if (!metadata.success || metadata.data.orderId !== data.reference) return { kind: 'ignore', reason: 'not a payment of this marketplace' };
  const { tenantId, orderId, buyerId } = metadata.data;
  return {
    kind: 'apply',
    provider: 'paystack',
    tenantId,
    orderId,
    buyerId: buyerId ?? null,
    eventId: `${event}:${data.id}`,
    outcome: { kind: 'succeeded', reference: data.reference, amount: data.amount, currency: data.currency.toUpperCase() },
  };
};
