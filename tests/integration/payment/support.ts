import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { v7 as uuidv7 } from 'uuid';
import { createTokenSigner } from '../../../layers/auth';
import type { Role } from '../../../layers/auth/types';
import { serviceDb } from '../../../layers/connections';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { toHttpRequest } from '../../../layers/events/http-binding';
import { fromKafkaMessage, toKafkaMessage } from '../../../layers/events/kafka-binding';
import type { OpenFaasHandler } from '../../../layers/http/openfaas';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';
import { reservationReserved } from '../../../functions/inventory/events';
import { orderCancelled } from '../../../functions/orders/events';
import { paymentModel, type PaymentDocument } from '../../../functions/payment/model';
import { startPaystackPeer, type PaystackPeer } from '../../support/paystack-peer';
import { useTestKeys } from '../support/invoke';

export type Mod = { default: OpenFaasHandler };

export const CONNECTOR_SECRET = 'payment-it-connector-secret-0123';

/**
 * The payment service's environment for integration tests: test keys (Stripe secret and webhook
 * secret, Paystack secret), stripe-mock from the launcher (reused when running), and a local
 * Paystack peer checking and signing with the test key. Call before importing function modules.
 */
export const usePaymentEnvironment = async () => {
  process.env.CONNECTOR_SECRET = CONNECTOR_SECRET;
  const { key } = await useTestKeys();
  const { ensureServices } = await import('../../../infra/launcher/index');
  const urls = await ensureServices({ only: ['stripe'], quiet: true });
  process.env.STRIPE_API_BASE ??= urls.stripeApiBase;
  const paystack: PaystackPeer = await startPaystackPeer({ secretKey: process.env.PAYSTACK_SECRET_KEY });
  process.env.PAYSTACK_API_BASE = paystack.url;
  const signer = createTokenSigner({
    privateJwk: key.privateJwk,
    kid: key.kid,
    issuer: 'https://auth.marketplace.local',
    audience: 'marketplace-api',
    ttlSeconds: 600,
  });
  const token = (tenantId: string, userId: string, roles: Role[]) => signer.sign({ sub: userId, tid: tenantId, roles });
  return { paystack, token };
};

/** What the trigger connector does: the event as a signed binary-mode CloudEvent POST. */
export const deliver = async (consumer: Mod, entry: OutboxEntry) => {
  const message = toKafkaMessage(entry);
  const event = fromKafkaMessage({ key: message.key as string, value: message.value as string, headers: message.headers });
  const request = toHttpRequest(event, { secret: CONNECTOR_SECRET, topic: entry.topic });
  const reply = await invokeHandler(consumer.default as never, { method: 'POST', path: '/', headers: request.headers, query: {}, body: request.body });
  const text = reply.body.toString();
  return { status: reply.status, body: (text ? JSON.parse(text) : undefined) as { status?: string; code?: string } };
};

/** A POST of exactly these bytes (a webhook), as the gateway hands it to the function. */
export const post = async (fn: Mod, rawBody: string, headers: Record<string, string>) => {
  const reply = await invokeHandler(fn.default as never, {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json', ...headers },
    query: {},
    body: rawBody,
  });
  const text = reply.body.toString();
  return { status: reply.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
};

export const newOrderId = () => uuidv7();
export const newTenant = () => `t-pay-${randomUUID()}`;

export const reservedEvent = (
  tenantId: string,
  orderId: string,
  checkout: { provider: 'stripe' | 'paystack'; method?: string; total: number; currency: string; email?: string },
  buyerId = 'buyer-1',
) =>
  reservationReserved.create({
    subject: orderId,
    tenantId,
    source: 'inventory-on-order-created',
    data: {
      orderId,
      buyerId,
      lines: [{ productId: 'p-1', sku: 'SKU-1', quantity: 1 }],
      expiresAt: new Date(Date.now() + 900_000).toISOString(),
      checkout: { email: 'buyer@example.com', ...checkout },
    },
  });

export const cancelledEvent = (tenantId: string, orderId: string, total: number, currency: string, from: 'reserved' | 'confirmed', buyerId = 'buyer-1') =>
  orderCancelled.create({
    subject: orderId,
    tenantId,
    source: 'orders-cancel',
    data: {
      orderId,
      buyerId,
      storeId: null,
      lines: [{ productId: 'p-1', sku: 'SKU-1', name: 'Mug', quantity: 1, unitPrice: total, lineTotal: total }],
      currency,
      total,
      email: 'buyer@example.com',
      version: 3,
      reason: from === 'confirmed' ? 'seller_cancelled' : 'reservation_expired',
      from,
    },
  });

/** A Stripe event for a PaymentIntent of ours, and its Stripe-Signature header as Stripe computes it. */
export const stripeEvent = (
  intent: { id: string; tenantId: string; orderId: string; amount: number; currency: string; buyerId?: string },
  type = 'payment_intent.succeeded',
  id = `evt_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
) =>
  JSON.stringify({
    id,
    object: 'event',
    api_version: '2025-01-27.acacia',
    created: Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    data: {
      object: {
        id: intent.id,
        object: 'payment_intent',
        amount: intent.amount,
        amount_received: type === 'payment_intent.succeeded' ? intent.amount : 0,
        currency: intent.currency.toLowerCase(),
        status: type === 'payment_intent.succeeded' ? 'succeeded' : 'requires_payment_method',
        capture_method: 'automatic',
        metadata: { tenantId: intent.tenantId, orderId: intent.orderId, ...(intent.buyerId ? { buyerId: intent.buyerId } : {}) },
        last_payment_error: type === 'payment_intent.payment_failed' ? { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' } : null,
      },
    },
  });

export const stripeSignature = (payload: string, timestamp = Math.floor(Date.now() / 1000), secret = process.env.STRIPE_WEBHOOK_SECRET!) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

/** The stored payment document, outbox included, read straight from FerretDB. */
export const storedPayment = async (tenantId: string, orderId: string): Promise<PaymentDocument | null> =>
  paymentModel(await serviceDb('payment'))
    .findOne({ _id: orderId, tenantId })
    .lean<PaymentDocument>();

export const eventTypes = (doc: PaymentDocument | null) => (doc?.outbox ?? []).map((e) => e.type);
