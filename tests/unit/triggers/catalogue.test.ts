import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConsumerHandler } from '../../../layers/events/consumer';
import { parseEventType } from '../../../layers/events/envelope';
import { consumersOf, eventDefinitions, eventTypes, outboxAggregates, topics } from '../../../triggers/catalogue';
import { loadStack, stackFunctions, subscriptions, topicsOf, CRON_TOPIC } from '../../../triggers/stack';

const stack = loadStack();
const specs = topics({});

describe('the topic catalogue', () => {
  it('names each topic after its event types, which are unique', () => {
    expect(new Set(eventTypes()).size).toBe(eventTypes().length);
    for (const spec of specs) {
      for (const event of spec.events) expect(parseEventType(event.type).topic).toBe(spec.name);
      expect(spec.dlq).toBe(`${spec.name}.dlq`);
    }
  });

  it('keeps each event in the outbox of an aggregate of its own service', () => {
    for (const definition of eventDefinitions) expect(definition.aggregate.service, definition.type).toBe(definition.service);
    const keys = outboxAggregates().map((a) => `${a.service}/${a.collection}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['products/products', 'review/ratings', 'inventory/stock']));
  });

  it('gives every produced type a schema and a description', () => {
    for (const definition of eventDefinitions) {
      expect(definition.schema, definition.type).toBeInstanceOf(z.ZodType);
      expect(definition.description.length, definition.type).toBeGreaterThan(0);
      expect(() => z.toJSONSchema(definition.schema, { target: 'draft-07', unrepresentable: 'any' })).not.toThrow();
    }
  });

  it('lists producers that are functions of the owning service in stack.yml, unless they arrive later', () => {
    for (const spec of specs) {
      expect(spec.producers.length, spec.name).toBeGreaterThan(0);
      for (const producer of spec.producers) {
        expect(producer.split('-')[0], `${producer} → ${spec.name}`).toBe(spec.name.split('.')[0]);
        expect(Object.keys(stack.functions), `${producer} → ${spec.name}`).toContain(producer);
      }
    }
  });

  it('has a consumer or a reason for every topic', () => {
    for (const spec of specs) {
      const consumers = consumersOf(stack, spec.name);
      expect(consumers.length > 0 || Boolean(spec.unconsumedReason), spec.name).toBe(true);
    }
  });

  it('knows every topic stack.yml subscribes to', () => {
    const known = new Set(specs.map((spec) => spec.name));
    for (const subscription of subscriptions(stack)) {
      for (const topic of subscription.topics) expect(known.has(topic), `${subscription.function} → ${topic}`).toBe(true);
    }
    for (const fn of stackFunctions(stack).filter((f) => topicsOf(f).includes(CRON_TOPIC))) expect(fn.annotations.schedule, fn.name).toBeTruthy();
  });

  it('subscribes each consumer to exactly the topics of the types it consumes', async () => {
    const topicOf = new Map(eventDefinitions.map((d) => [d.type, d.topic]));
    for (const subscription of subscriptions(stack)) {
      const module = (await import(path.resolve(stack.functions[subscription.function]!.handler))) as { default: ConsumerHandler };
      const consumed = module.default.consumer;
      expect(consumed?.kind, subscription.function).toBe('events');
      for (const type of consumed.events) expect(topicOf.has(type), `${subscription.function} consumes unknown ${type}`).toBe(true);
      const needed = new Set(consumed.events.map((type) => topicOf.get(type)));
      expect(new Set(subscription.topics), subscription.function).toEqual(needed);
    }
  });

  it('takes the replication factor from KAFKA_REPLICATION_FACTOR (1 locally)', () => {
    expect(specs.every((spec) => spec.replication === 1)).toBe(true);
    expect(specs.find((spec) => spec.name === 'orders.order.created')?.partitions).toBe(6);
    expect(specs.find((spec) => spec.name === 'auth.user.registered')?.partitions).toBe(3);
    expect(topics({ KAFKA_REPLICATION_FACTOR: '3' }).every((spec) => spec.replication === 3)).toBe(true);
    expect(() => topics({ KAFKA_REPLICATION_FACTOR: 'zero' })).toThrow();
  });
});
