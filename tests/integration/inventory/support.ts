import { expect } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { orderCancelled, orderConfirmed, orderCreated } from '../../../functions/orders/events';
import { serviceDb } from '../../../layers/connections';
import { attributesOf, toHeaders } from '../../../layers/events/cloudevent';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';

export type Mod = Parameters<typeof invoke>[0];
export type Token = Awaited<ReturnType<typeof useTestKeys>>;

/** The inventory functions and products-create, imported after `useTestKeys()` (each reads its configuration at load). */
export const loadFunctions = async (): Promise<Record<string, Mod>> => {
  const modules = {
    set: import('../../../functions/inventory/set'),
    get: import('../../../functions/inventory/get'),
    adjust: import('../../../functions/inventory/adjust'),
    created: import('../../../functions/inventory/on-order-created'),
    confirmed: import('../../../functions/inventory/on-order-confirmed'),
    cancelled: import('../../../functions/inventory/on-order-cancelled'),
    expire: import('../../../functions/inventory/expire-reservations'),
    'products-create': import('../../../functions/products/create'),
  };
  const fns: Record<string, Mod> = {};
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
  return fns;
};

/** A product of `tenantId` with the given variants, through products-create. */
export const createProduct = async (fns: Record<string, Mod>, token: Token, tenantId: string, skus: string[] = ['MUG-M']): Promise<string> => {
  const reply = await invoke<{ id: string }>(fns['products-create']!, {
    method: 'POST',
    token: await token(tenantId, ['owner']),
    headers: idempotencyKey(),
    body: {
      storeId: 'main',
      name: 'Stoneware Mug',
      status: 'active',
      price: { amount: 1800, currency: 'GBP' },
      variants: skus.map((sku) => ({ sku, name: `Size ${sku}` })),
    },
  });
  expect(reply.status).toBe(201);
  return reply.body.id;
};

export const setStock = async (
  fns: Record<string, Mod>,
  token: Token,
  tenantId: string,
  productId: string,
  sku: string,
  body: Record<string, unknown>,
  ifMatch?: string,
) =>
  invoke<Record<string, unknown>>(fns.set!, {
    method: 'PUT',
    path: `/${productId}/${sku}`,
    token: await token(tenantId, ['staff']),
    body,
    ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}),
  });

export const getStock = async (fns: Record<string, Mod>, token: Token, tenantId: string, productId: string, sku: string) =>
  invoke<{ onHand: number; reserved: number; available: number; version: number; lowStockThreshold: number }>(fns.get!, {
    path: `/${productId}/${sku}`,
    token: await token(tenantId, ['customer']),
  });

export interface Line {
  productId: string;
  sku: string;
  quantity: number;
}

const orderRef = (tenantId: string, orderId: string, lines: Line[], version: number) => ({
  orderId,
  buyerId: `buyer-${tenantId}`,
  storeId: 'main',
  lines: lines.map((line) => ({ ...line, name: 'Stoneware Mug', unitPrice: 1800, lineTotal: 1800 * line.quantity })),
  currency: 'GBP',
  total: lines.reduce((sum, line) => sum + 1800 * line.quantity, 0),
  email: 'buyer@example.com',
  version,
});

export const createdEvent = (tenantId: string, lines: Line[], orderId = uuidv7()): OutboxEntry => {
  const ref = orderRef(tenantId, orderId, lines, 1);
  return orderCreated.create({
    subject: orderId,
    tenantId,
    source: 'orders-create',
    data: {
      ...ref,
      subtotal: ref.total,
      discount: 0,
      coupon: null,
      checkout: { provider: 'stripe', method: 'pm_card_visa', email: ref.email, total: ref.total, currency: 'GBP' },
      createdAt: new Date().toISOString(),
    },
  });
};

/** The confirmed or cancelled event of the order `created` announced. */
export const confirmedEvent = (created: OutboxEntry): OutboxEntry => {
  const data = JSON.parse(created.data) as { orderId: string; lines: Line[] };
  return orderConfirmed.create({
    subject: data.orderId,
    tenantId: created.tenantId,
    source: 'orders-on-payment-succeeded',
    correlationId: created.correlationId,
    data: { ...orderRef(created.tenantId, data.orderId, data.lines, 3), paymentId: `pay-${data.orderId}` },
  });
};

export const cancelledEvent = (created: OutboxEntry, from: 'pending' | 'reserved' | 'confirmed' = 'reserved'): OutboxEntry => {
  const data = JSON.parse(created.data) as { orderId: string; lines: Line[] };
  return orderCancelled.create({
    subject: data.orderId,
    tenantId: created.tenantId,
    source: 'orders-cancel',
    correlationId: created.correlationId,
    data: { ...orderRef(created.tenantId, data.orderId, data.lines, 4), reason: 'buyer_cancelled', from },
  });
};

/** What the trigger connector POSTs for an event: binary-mode CloudEvent headers and the data. */
export const deliver = (fn: Mod, entry: OutboxEntry) =>
  invoke<{ status?: string; code?: string }>(fn, {
    method: 'POST',
    headers: { ...toHeaders(attributesOf(entry), 'ce-'), 'x-topic': entry.topic },
    body: JSON.parse(entry.data),
  });

const inventoryDb = () => serviceDb('inventory');

/** The raw stored documents (outbox included), as the relay would read them. */
export const rawStock = async (productId: string, sku: string) =>
  (await inventoryDb()).collection<{ _id: string } & Record<string, unknown>>('stock').findOne({ _id: `${productId}:${sku}` }) as Promise<{
    onHand: number;
    reserved: number;
    available: number;
    version: number;
    holds: { orderId: string; quantity: number }[];
    restocked: string[];
    outbox: OutboxEntry[];
  } | null>;

export const rawReservation = async (orderId: string) =>
  (await inventoryDb()).collection<{ _id: string } & Record<string, unknown>>('reservations').findOne({ _id: orderId }) as Promise<{
    status: string;
    lines: Line[];
    expiresAt: Date;
    outbox: OutboxEntry[];
  } | null>;

export const dataOf = <T = Record<string, unknown>>(entry: OutboxEntry): T => JSON.parse(entry.data) as T;
