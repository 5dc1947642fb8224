import Stripe from 'stripe';
import { v7 as uuidv7 } from 'uuid';
import { eventually, newTenant, productBody, type Reply, type System } from './system';

/**
 * A shop and its buyers, driven through the gateway the way a storefront would, and Stripe's
 * side of a payment: its webhook, signed with the endpoint secret the system runs with.
 */
export interface Order {
  id: string;
  state: string;
  version: number;
  total: number;
  subtotal: number;
  discount: number;
  currency: string;
  lines: { productId: string; sku: string; quantity: number; unitPrice: number }[];
  cancellation: { reason: string; from: string } | null;
}

export interface Payment {
  orderId: string;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  amount: number;
  captured: number;
  refunded: number;
  providerReference: string | null;
  refunds: { amount: number; status: string }[];
}

export interface Stock {
  onHand: number;
  reserved: number;
  available: number;
}

export const FINAL_STATES = new Set(['confirmed', 'cancelled']);

const fail = (what: string, reply: Reply) => new Error(`${what} answered ${reply.status}: ${JSON.stringify(reply.body)}`);

export const openShop = async (system: System, options: { stock: number; price?: number; sku?: string } = { stock: 10 }) => {
  const tenant = newTenant();
  const owner = await system.token({ tenant, roles: ['owner'], user: `owner-${uuidv7()}` });
  const sku = options.sku ?? 'LS-M';
  const created = await system.call<{ id: string }>('products-create', {
    method: 'POST',
    token: owner,
    body: productBody({ price: { amount: options.price ?? 4900, currency: 'EUR' }, variants: [{ sku, name: 'Medium', attributes: { size: 'M' } }] }),
    headers: { 'idempotency-key': uuidv7() },
  });
  if (created.status !== 201) throw fail('products-create', created);
  const productId = created.body.id;
  const stocked = await system.call('inventory-set', {
    method: 'PUT',
    path: `/${productId}/${sku}`,
    token: owner,
    body: { onHand: options.stock, lowStockThreshold: 2 },
  });
  if (stocked.status !== 201 && stocked.status !== 200) throw fail('inventory-set', stocked);
  // Pricing reads the product read model: wait until the projection has the product.
  await eventually(
    async () => ((await system.call('products-get', { path: `/${productId}`, token: owner })).status === 200 ? true : undefined),
    'the product view',
  );

  const buyer = async () => {
    const user = `buyer-${uuidv7()}`;
    return { user, token: await system.token({ tenant, roles: ['customer'], user }), email: `${user}@example.com` };
  };
  const order = (token: string, id: string) => system.call<Order>('orders-get', { path: `/${id}`, token });
  const payment = (id: string) => system.call<Payment>('payment-get', { path: `/${id}`, token: owner });
  const stock = async () => {
    const reply = await system.call<Stock>('inventory-get', { path: `/${productId}/${sku}`, token: owner });
    if (reply.status !== 200) throw fail('inventory-get', reply);
    return reply.body;
  };
  const placeOrder = (b: { token: string; email: string }, quantity: number, key = uuidv7()) =>
    system.call<Order>('orders-create', {
      method: 'POST',
      token: b.token,
      body: { items: [{ productId, sku, quantity }], email: b.email, payment: { provider: 'stripe', method: 'pm_card_visa' } },
      headers: { 'idempotency-key': key },
    });
  const waitForState = (token: string, id: string, states: readonly string[], timeoutMs = 30_000) =>
    eventually(
      async () => {
        const reply = await order(token, id);
        return reply.status === 200 && states.includes(reply.body.state) ? reply.body : undefined;
      },
      `order ${id} to be ${states.join(' or ')}`,
      timeoutMs,
    );
  /** The payment the saga opened for the order, once the provider has its reference. */
  const waitForPendingPayment = (id: string, timeoutMs = 30_000) =>
    eventually(
      async () => {
        const reply = await payment(id);
        return reply.status === 200 && reply.body.providerReference ? reply.body : undefined;
      },
      `a payment for order ${id}`,
      timeoutMs,
    );

  return { tenant, owner, productId, sku, buyer, order, payment, stock, placeOrder, waitForState, waitForPendingPayment };
};

export type Shop = Awaited<ReturnType<typeof openShop>>;

/** Stripe's webhook for a PaymentIntent of ours, signed as Stripe signs it (`Stripe-Signature: t=…,v1=…`). */
export const stripeWebhook = (
  system: System,
  input: {
    type: 'payment_intent.succeeded' | 'payment_intent.payment_failed';
    intentId: string;
    tenantId: string;
    orderId: string;
    amount: number;
    currency: string;
    eventId?: string;
    timestamp?: number;
  },
) => {
  const succeeded = input.type === 'payment_intent.succeeded';
  const payload = JSON.stringify({
    id: input.eventId ?? `evt_${uuidv7().replace(/-/g, '')}`,
    object: 'event',
    type: input.type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: {
        id: input.intentId,
        object: 'payment_intent',
        amount: input.amount,
        amount_received: succeeded ? input.amount : 0,
        currency: input.currency.toLowerCase(),
        status: succeeded ? 'succeeded' : 'requires_payment_method',
        metadata: { tenantId: input.tenantId, orderId: input.orderId },
        last_payment_error: succeeded ? null : { code: 'card_declined', message: 'Your card was declined.' },
      },
    },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: process.env.STRIPE_WEBHOOK_SECRET!, timestamp: input.timestamp });
  return system.call<{ received: boolean; result: string }>('payment-webhook-stripe', {
    method: 'POST',
    rawBody: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
  });
};

/** Stripe's side of a checkout: once the saga has opened the payment, the provider answers with this outcome. */
export const settle = async (system: System, shop: Shop, order: Order, outcome: 'succeeded' | 'failed' = 'succeeded') => {
  const payment = await shop.waitForPendingPayment(order.id);
  const reply = await stripeWebhook(system, {
    type: outcome === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
    intentId: payment.providerReference!,
    tenantId: shop.tenant,
    orderId: order.id,
    amount: order.total,
    currency: order.currency,
  });
  if (reply.status !== 200) throw fail('payment-webhook-stripe', reply);
  return reply;
};
