import { z } from 'zod';
import { authEvents } from '../functions/auth/events';
import { cartEvents } from '../functions/cart/events';
import { inventoryEvents } from '../functions/inventory/events';
import { orderEvents } from '../functions/orders/events';
import { paymentEvents } from '../functions/payment/events';
import { productEvents } from '../functions/products/events';
import { reviewEvents } from '../functions/review/events';
import { storeEvents } from '../functions/stores/events';
import { tenantEvents } from '../functions/tenant/events';
import type { AggregateRef, EventDefinition } from '../layers/events/envelope';
import { subscriptions, type Stack } from './stack';

/**
 * The topic catalogue: every event type, the topic it travels on, the topic's settings, its
 * dead-letter topic and who produces it. Consumers are not listed here: they are whatever
 * stack.yml subscribes through `topic` annotations (`consumersOf`). Topics are provisioned
 * from this list (provision.ts) and documented from it (asyncapi.ts).
 */
export const eventDefinitions: readonly EventDefinition[] = [
  ...authEvents,
  ...tenantEvents,
  ...storeEvents,
  ...productEvents,
  ...reviewEvents,
  ...inventoryEvents,
  ...orderEvents,
  ...paymentEvents,
  ...cartEvents,
];

interface Ownership {
  /** The functions that emit the topic's events (stack.yml names). */
  producers: string[];
  /** Why no function consumes the topic, when none does. */
  unconsumedReason?: string;
  partitions?: number;
}

/** The checkout saga's topics carry the most traffic: more partitions, more consumers in parallel. */
const CHECKOUT_PARTITIONS = 6;

const AUDIT_ONLY = 'Kept for the audit trail; no service acts on it.';

const OWNERSHIP: Record<string, Ownership> = {
  'auth.user.registered': {
    producers: ['auth-register'],
    unconsumedReason: 'The verification code travels as auth.code.issued; this one is kept for the audit trail.',
  },
  'auth.code.issued': { producers: ['auth-register', 'auth-verify-email', 'auth-login', 'auth-2fa-setup', 'auth-password-reset-request'] },
  'auth.user.onboarding-completed': { producers: ['auth-onboarding-complete'] },
  'auth.user.tenant-assigned': { producers: ['auth-on-tenant-provisioned'], unconsumedReason: AUDIT_ONLY },
  'auth.user.soft-deleted': { producers: ['auth-on-user-rollback'], unconsumedReason: AUDIT_ONLY },
  'auth.role.assigned': { producers: ['auth-roles-assign'], unconsumedReason: AUDIT_ONLY },
  'auth.signin.flagged': { producers: ['auth-login', 'auth-login-2fa'] },
  'tenant.tenant.provisioned': { producers: ['tenant-on-onboarding-completed'] },
  'tenant.provisioning.failed': { producers: ['tenant-on-onboarding-completed'] },
  'tenant.tenant.updated': { producers: ['tenant-update'], unconsumedReason: AUDIT_ONLY },
  'tenant.plan.changed': { producers: ['tenant-plan-change'], unconsumedReason: AUDIT_ONLY },
  'stores.store.created': { producers: ['stores-create'], unconsumedReason: AUDIT_ONLY },
  'stores.store.updated': { producers: ['stores-update', 'stores-domain-set', 'stores-domain-verify'], unconsumedReason: AUDIT_ONLY },
  'stores.domain.verified': { producers: ['stores-domain-verify'], unconsumedReason: AUDIT_ONLY },
  'products.product.created': { producers: ['products-create'] },
  'products.product.updated': { producers: ['products-update'] },
  'products.product.deleted': { producers: ['products-delete'] },
  'products.variant.upserted': { producers: ['products-variant-upsert'] },
  'products.variant.deleted': { producers: ['products-variant-delete'] },
  'review.review.created': {
    producers: ['review-create'],
    unconsumedReason: 'A review counts only once moderated (review.review.moderated); this one is kept for the audit trail.',
  },
  'review.review.moderated': { producers: ['review-moderate'] },
  'review.rating.updated': { producers: ['review-on-review-moderated'] },
  'inventory.stock.changed': {
    producers: [
      'inventory-set',
      'inventory-adjust',
      'inventory-on-order-created',
      'inventory-on-order-confirmed',
      'inventory-on-order-cancelled',
      'inventory-expire-reservations',
    ],
  },
  'inventory.stock.low': { producers: ['inventory-set', 'inventory-adjust', 'inventory-on-order-created', 'inventory-on-order-confirmed'] },
  'inventory.reservation.reserved': { producers: ['inventory-on-order-created'], partitions: CHECKOUT_PARTITIONS },
  'inventory.reservation.rejected': {
    producers: ['inventory-on-order-created', 'inventory-on-order-confirmed', 'inventory-expire-reservations'],
    partitions: CHECKOUT_PARTITIONS,
  },
  'orders.order.created': { producers: ['orders-create'], partitions: CHECKOUT_PARTITIONS },
  'orders.order.confirmed': { producers: ['orders-on-payment-succeeded'], partitions: CHECKOUT_PARTITIONS },
  'orders.order.cancelled': {
    producers: ['orders-cancel', 'orders-on-inventory-rejected', 'orders-on-payment-failed'],
    partitions: CHECKOUT_PARTITIONS,
  },
  'orders.order.fulfilled': { producers: ['orders-fulfil'] },
  'orders.order.delivered': { producers: ['orders-deliver'] },
  'payment.payment.succeeded': {
    producers: ['payment-on-inventory-reserved', 'payment-webhook-stripe', 'payment-webhook-paystack'],
    partitions: CHECKOUT_PARTITIONS,
  },
  'payment.payment.failed': {
    producers: ['payment-on-inventory-reserved', 'payment-webhook-stripe', 'payment-webhook-paystack'],
    partitions: CHECKOUT_PARTITIONS,
  },
  'payment.payment.refunded': { producers: ['payment-refund', 'payment-on-order-cancelled', 'payment-webhook-stripe', 'payment-webhook-paystack'] },
  'cart.coupon.created': { producers: ['cart-coupon-create'], unconsumedReason: AUDIT_ONLY },
};

export const DEFAULT_PARTITIONS = 3;
const DAY_MS = 24 * 60 * 60 * 1000;
export const EVENT_RETENTION_MS = 7 * DAY_MS;
/** Dead letters wait longer than events: someone has to look at them first. */
export const DLQ_RETENTION_MS = 14 * DAY_MS;

export const dlqOf = (topic: string): string => `${topic}.dlq`;

export interface TopicSpec {
  name: string;
  dlq: string;
  /** The event types carried, one per version. */
  events: EventDefinition[];
  partitions: number;
  /** 1 on a single local broker, 3 in production (KAFKA_REPLICATION_FACTOR). */
  replication: number;
  retentionMs: number;
  dlqRetentionMs: number;
  producers: string[];
  unconsumedReason?: string;
  description: string;
}

const replicationFactor = (env: Record<string, string | undefined>): number =>
  z.coerce
    .number()
    .int()
    .min(1)
    .default(1)
    .parse(env.KAFKA_REPLICATION_FACTOR || undefined);

/** Every topic, in the order the definitions are listed. Throws when a topic has no ownership entry. */
export const topics = (env: Record<string, string | undefined> = process.env): TopicSpec[] => {
  const replication = replicationFactor(env);
  const byTopic = new Map<string, EventDefinition[]>();
  for (const definition of eventDefinitions) byTopic.set(definition.topic, [...(byTopic.get(definition.topic) ?? []), definition]);
  return [...byTopic].map(([name, events]) => {
    const ownership = OWNERSHIP[name];
    if (!ownership) throw new Error(`Topic ${name} has no producers in the catalogue`);
    return {
      name,
      dlq: dlqOf(name),
      events,
      partitions: ownership.partitions ?? DEFAULT_PARTITIONS,
      replication,
      retentionMs: EVENT_RETENTION_MS,
      dlqRetentionMs: DLQ_RETENTION_MS,
      producers: ownership.producers,
      ...(ownership.unconsumedReason ? { unconsumedReason: ownership.unconsumedReason } : {}),
      description: events.map((event) => event.description).join(' '),
    };
  });
};

export const eventTypes = (): string[] => eventDefinitions.map((definition) => definition.type);

export const definitionOf = (type: string): EventDefinition | undefined => eventDefinitions.find((definition) => definition.type === type);

/** The aggregates whose outboxes the relay drains: one per (service, collection). */
export const outboxAggregates = (): AggregateRef[] => [
  ...new Map(eventDefinitions.map((d) => [`${d.aggregate.service}/${d.aggregate.collection}`, d.aggregate])).values(),
];

/** The functions stack.yml subscribes to `topic`. */
export const consumersOf = (stack: Stack, topic: string): string[] =>
  subscriptions(stack)
    .filter((subscription) => subscription.topics.includes(topic))
    .map((subscription) => subscription.function);
