import { randomUUID } from 'node:crypto';
import { userOnboardingCompleted } from '../../../functions/auth/events';
import { serviceDb } from '../../../layers/connections';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { toHttpRequest } from '../../../layers/events/http-binding';
import { fromKafkaMessage, toKafkaMessage } from '../../../layers/events/kafka-binding';
import type { OpenFaasHandler } from '../../../layers/http/openfaas';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';

/** Signs deliveries as the trigger connector does; set as CONNECTOR_SECRET before functions load. */
export const CONNECTOR_SECRET = 'tenant-it-connector-secret-0123';

export type TenantShape = {
  name: string;
  slug: string;
  type: 'SELLER_INDIVIDUAL' | 'SELLER_BUSINESS' | 'MARKETPLACE' | 'FRANCHISE';
  plan: 'FREE' | 'PRO' | 'ENTERPRISE';
};

/** A fresh tenant id as auth reserves them, and a slug no other run uses. */
export const newTenantId = (): string => `t-${randomUUID()}`;
export const newSlug = (): string => `shop-${randomUUID().slice(0, 8)}`;

/** The onboarding event auth would write for `userId`, asking for `tenantId`. */
export const onboardingCompleted = (tenantId: string, tenant: Partial<TenantShape> = {}, userId = `user-${tenantId}`): OutboxEntry =>
  userOnboardingCompleted.create({
    subject: userId,
    tenantId,
    data: {
      userId,
      email: `${userId.slice(0, 40)}@example.com`,
      name: 'Grace Hopper',
      tenant: { name: 'Compiler Supplies', slug: newSlug(), type: 'SELLER_BUSINESS', plan: 'FREE', ...tenant },
    },
    source: 'auth-onboarding-complete',
  });

/** Delivers an outbox entry to a consumer the way the connector does: Kafka record → signed binary-mode CloudEvent POST. */
export const deliver = async (consumer: { default: OpenFaasHandler }, entry: OutboxEntry) => {
  const message = toKafkaMessage(entry);
  const event = fromKafkaMessage({ key: message.key as string, value: message.value as string, headers: message.headers });
  const request = toHttpRequest(event, { secret: CONNECTOR_SECRET, topic: entry.topic });
  const reply = await invokeHandler(consumer.default as never, { method: 'POST', path: '/', headers: request.headers, query: {}, body: request.body });
  const text = reply.body.toString();
  return { status: reply.status, body: (text ? JSON.parse(text) : undefined) as { status?: string; code?: string } };
};

export interface StoredTenant {
  _id: string;
  tenantId: string;
  status: string;
  plan: string;
  slug: string;
  version: number;
  failure: { code: string; reason: string } | null;
  outbox: OutboxEntry[];
}

/** The tenant document as stored, read with the driver (no tenant guard: a test looks at everything). */
export const storedTenant = async (tenantId: string): Promise<StoredTenant | null> =>
  (await serviceDb('tenant')).collection<StoredTenant>('tenants').findOne({ _id: tenantId });

export const slugHolder = async (slug: string): Promise<string | undefined> =>
  (await (await serviceDb('tenant')).collection<{ _id: string; tenantId: string }>('tenant_slugs').findOne({ _id: slug }))?.tenantId;

export const eventTypes = (doc: StoredTenant | null): string[] => (doc?.outbox ?? []).map((entry) => entry.type);
