import { v7 as uuidv7 } from 'uuid';
import { signedIntentEvent, type IntentEvent } from '../../support/stripe-events';
import { kafka } from '../../../layers/connections';
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
  /** The product's read model as buyers see it (products-get): price, stock per variant, rating. */
  const view = async () =>
    (await system.call<{ stock?: Record<string, { available: number; reserved: number }> }>('products-get', { path: `/${productId}`, token: owner })).body;
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

  return { tenant, owner, productId, sku, buyer, order, payment, view, stock, placeOrder, waitForState, waitForPendingPayment };
};

export type Shop = Awaited<ReturnType<typeof openShop>>;

/** Stripe's webhook for a PaymentIntent of ours, signed with the endpoint secret the system runs with. */
export const stripeWebhook = (system: System, input: IntentEvent) => {
  const { payload, headers } = signedIntentEvent(input, process.env.STRIPE_WEBHOOK_SECRET!);
  return system.call<{ received: boolean; result: string }>('payment-webhook-stripe', { method: 'POST', rawBody: payload, headers });
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

/**
 * Plays Stripe for many orders at once. It follows the saga on Kafka rather than polling every
 * order (200 polls a round would load the store more than the checkouts do): each order the
 * saga reserves gets its payment's success webhook once the payment is open, and an order is
 * final once its confirmed or cancelled event is seen. Orders not heard of for a while are read
 * through the API, in case the watcher itself missed a record across a broker restart.
 */
export const stripeDriver = async (system: System, shop: Shop) => {
  const consumer = (await kafka()).consumer({ groupId: `e2e-driver-${uuidv7()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: ['inventory.reservation.reserved', 'orders.order.confirmed', 'orders.order.cancelled'], fromBeginning: false });
  const reserved = new Set<string>();
  const decided = new Set<string>();
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachMessage: async ({ topic, message }) => {
      if (message.headers?.ce_tenantid?.toString() !== shop.tenant) return;
      const orderId = message.headers?.ce_subject?.toString() ?? '';
      (topic === 'inventory.reservation.reserved' ? reserved : decided).add(orderId);
    },
  });
  await joined;

  const untilFinal = async (placed: { token: string; order: Order }[], timeoutMs: number): Promise<Order[]> => {
    const final = new Map<string, Order>();
    const settled = new Set<string>();
    const deadline = Date.now() + timeoutMs;
    let lastSweep = Date.now();
    const read = async ({ token, order }: { token: string; order: Order }) => {
      const reply = await shop.order(token, order.id);
      if (reply.status === 200 && FINAL_STATES.has(reply.body.state)) final.set(order.id, reply.body);
      return reply.status === 200 ? reply.body.state : 'unseen';
    };
    while (final.size < placed.length) {
      const open = placed.filter((p) => !final.has(p.order.id));
      if (Date.now() > deadline) {
        const states: Record<string, number> = {};
        for (const p of open) states[await read(p)] = (states[await read(p)] ?? 0) + 1;
        throw new Error(
          `${open.length} orders never reached a final state (${JSON.stringify(states)}): ${open
            .slice(0, 3)
            .map((p) => p.order.id)
            .join(', ')}…`,
        );
      }
      const sweep = Date.now() - lastSweep > 5_000;
      if (sweep) lastSweep = Date.now();
      await Promise.all(
        open.map(async (p) => {
          if (decided.has(p.order.id) || sweep) await read(p);
          if (final.has(p.order.id) || settled.has(p.order.id) || !(reserved.has(p.order.id) || sweep)) return;
          const payment = await shop.payment(p.order.id);
          if (payment.status !== 200 || payment.body.status !== 'pending' || !payment.body.providerReference) return;
          const answer = await stripeWebhook(system, {
            type: 'payment_intent.succeeded',
            intentId: payment.body.providerReference,
            tenantId: shop.tenant,
            orderId: p.order.id,
            amount: p.order.total,
            currency: p.order.currency,
          });
          if (answer.status === 200) settled.add(p.order.id);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return placed.map((p) => final.get(p.order.id)!);
  };

  return { untilFinal, stop: () => consumer.disconnect() };
};
