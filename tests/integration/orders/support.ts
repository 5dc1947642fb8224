import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import { createTokenSigner } from '../../../layers/auth';
import type { Role } from '../../../layers/auth/types';
import { serviceDb } from '../../../layers/connections';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { toHttpRequest } from '../../../layers/events/http-binding';
import { fromKafkaMessage, toKafkaMessage } from '../../../layers/events/kafka-binding';
import type { OpenFaasHandler } from '../../../layers/http/openfaas';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';
import { applyProductSnapshot, viewStore } from '../../../functions/products/read-model';
import { buildProduct } from '../../../functions/products/rules';
import { productInput, type Product } from '../../../functions/products/schemas';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';

/** Signs deliveries as the trigger connector does; set before function modules load. */
export const CONNECTOR_SECRET = 'orders-it-connector-secret-0123';

export type Mod = { default: OpenFaasHandler };

/**
 * Test keys, and tokens for any user of any tenant (the shared helper names one user per
 * tenant; orders needs several buyers in one). Call before importing function modules.
 */
export const useOrderKeys = async () => {
  process.env.CONNECTOR_SECRET = CONNECTOR_SECRET;
  const { key } = await useTestKeys();
  const signer = createTokenSigner({
    privateJwk: key.privateJwk,
    kid: key.kid,
    issuer: 'https://auth.marketplace.local',
    audience: 'marketplace-api',
    ttlSeconds: 600,
  });
  return (tenantId: string, userId: string, roles: Role[] = ['customer']) => signer.sign({ sub: userId, tid: tenantId, roles });
};

export const newTenant = (): string => `t-${uuidv7()}`;
export const newUser = (): string => `user-${randomUUID()}`;

/** A product of `tenantId` in the product read model (what orders prices from), as products' projection leaves it. */
export const seedProduct = async (tenantId: string, overrides: Record<string, unknown> = {}): Promise<Product> => {
  const product = buildProduct(
    productInput.parse({
      storeId: 'main',
      name: 'Stoneware Mug',
      status: 'active',
      price: { amount: 1800, currency: 'GBP' },
      variants: [
        { sku: 'MUG-S', name: 'Small', attributes: {} },
        { sku: 'MUG-L', name: 'Large', price: { amount: 2400, currency: 'GBP' }, attributes: {} },
      ],
      ...overrides,
    }),
    { id: uuidv7(), tenantId, now: new Date() },
  );
  await (await viewStore()).update(tenantId, product.id, applyProductSnapshot(product));
  return product;
};

/** Delivers an event as the connector does: Kafka record → signed binary-mode CloudEvent POST. */
export const deliver = async (consumer: Mod, entry: OutboxEntry) => {
  const message = toKafkaMessage(entry);
  const event = fromKafkaMessage({ key: message.key as string, value: message.value as string, headers: message.headers });
  const request = toHttpRequest(event, { secret: CONNECTOR_SECRET, topic: entry.topic });
  const reply = await invokeHandler(consumer.default as never, { method: 'POST', path: '/', headers: request.headers, query: {}, body: request.body });
  const text = reply.body.toString();
  return { status: reply.status, body: (text ? JSON.parse(text) : undefined) as { status?: string; code?: string } };
};

export interface StoredOrder {
  _id: string;
  tenantId: string;
  buyerId: string;
  state: string;
  version: number;
  total: number;
  paymentId: string | null;
  cancellation: { reason: string; from: string } | null;
  outbox: OutboxEntry[];
}

/** The orders collection, read with the driver (no tenant guard: a test looks at everything). */
export const ordersCollection = async () => (await serviceDb('orders')).collection<StoredOrder>('orders');

export const storedOrder = async (id: string): Promise<StoredOrder | null> => (await ordersCollection()).findOne({ _id: id });

/** The events an order's outbox holds (nothing drains it in these tests), oldest first. */
export const outboxOf = async (id: string): Promise<OutboxEntry[]> => (await storedOrder(id))?.outbox ?? [];

/** An orders-create body; lines are loosely typed so tests can send what a client should not. */
export const orderBody = (lines: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
  items: lines,
  email: 'ada@example.com',
  payment: { provider: 'stripe', method: 'pm_card_visa' },
  ...extra,
});

/** Places an order through orders-create; returns its API body. */
export const placeOrder = async (create: Mod, token: string, body: unknown) => {
  const reply = await invoke<{ id: string; version: number; state: string; total: number }>(create, { method: 'POST', token, body, headers: idempotencyKey() });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
};
