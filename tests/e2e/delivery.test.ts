import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafka, redis, serviceDb } from '../../layers/connections';
import { toKafkaMessage } from '../../layers/events/kafka-binding';
import type { OutboxEntry } from '../../layers/events/envelope';
import { viewKey } from '../../functions/products/read-model';
import { eventually, newTenant, productBody, startSystem, type System } from './support/system';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => system?.stop());

const productDoc = async (id: string) => (await serviceDb('products')).collection('products').findOne({ _id: id as never });
const auditCount = async (tenantId: string, subject: string) => (await serviceDb('audit')).collection('audit_entries').countDocuments({ tenantId, subject });

/** Kills the relay (SIGKILL), then creates a product: its event can only wait in the outbox. */
const createWithRelayDead = async () => {
  await system.killRelay();
  const tenant = newTenant();
  const token = await system.token({ tenant });
  const created = await system.call<{ id: string }>('products-create', {
    method: 'POST',
    token,
    body: productBody(),
    headers: { 'idempotency-key': `relay-dead-${tenant}` },
  });
  expect(created.status).toBe(201);
  return { tenant, token, id: created.body.id };
};

const outboxCleared = async (id: string) =>
  eventually(async () => (((await productDoc(id))?.outbox as unknown[]).length === 0 ? true : undefined), 'the outbox to be cleared');

describe('nothing accepted is lost, nothing is applied twice', () => {
  it('publishes an event written while the relay was dead, once the relay is back', async () => {
    const { tenant, id } = await createWithRelayDead();

    // Accepted and durable, not yet published: the event waits in the aggregate's outbox.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(((await productDoc(id))?.outbox as unknown[]).length).toBe(1);
    expect(await auditCount(tenant, id)).toBe(0);

    await system.startRelay();
    await eventually(async () => ((await auditCount(tenant, id)) === 1 ? true : undefined), 'the audit entry after the relay restarted');
    await outboxCleared(id);
    expect(await auditCount(tenant, id)).toBe(1);
  });

  it('has one effect for an event delivered twice (and a third time by the relay)', async () => {
    const { tenant, token, id } = await createWithRelayDead();
    const [entry] = (await productDoc(id))?.outbox as OutboxEntry[];

    const producer = (await kafka()).producer({ idempotent: false });
    await producer.connect();
    const message = toKafkaMessage(entry!);
    await producer.send({ topic: entry!.topic, messages: [message] });
    await producer.send({ topic: entry!.topic, messages: [message] });
    await producer.disconnect();

    await eventually(async () => ((await auditCount(tenant, id)) === 1 ? true : undefined), 'the audit entry');
    await system.startRelay(); // publishes the same event from the outbox once more
    await outboxCleared(id);
    await new Promise((r) => setTimeout(r, 1_500));

    expect(await auditCount(tenant, id)).toBe(1);
    const inbox = (await serviceDb('audit')).collection('inbox');
    expect(await inbox.countDocuments({ _id: `audit-on-event:${entry!.id}` as never })).toBe(1);
    // The read model changed once: its revision counts applied changes.
    expect(await (await redis()).hget(viewKey(tenant, id), 'rev')).toBe('1');
    expect((await system.call('audit-verify', { method: 'POST', token })).body).toMatchObject({ valid: true, checked: 1 });
  });
});
