import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { causedBy, defineEvent, InvalidEventError, parseEventType } from '../../../layers/events/envelope';
import { initTracing, inSpan, spanIds } from '../../../layers/tracing';

const thingMoved = defineEvent({
  type: 'things.thing.moved.v2',
  schema: z.object({ thingId: z.string(), to: z.number().int(), note: z.string().default('') }),
  aggregate: { service: 'things', collection: 'things' },
  description: 'A thing moved.',
});

describe('parseEventType', () => {
  it('splits <service>.<entity>.<event>.v<N> and derives the topic', () => {
    expect(parseEventType('orders.order.created.v1')).toEqual({
      service: 'orders',
      entity: 'order',
      event: 'created',
      version: 1,
      topic: 'orders.order.created',
    });
  });

  it.each(['orders.order.created', 'Orders.order.created.v1', 'orders.order.created.v0', 'orders..created.v1', 'orders.order.created.v1.x'])(
    'refuses %s',
    (type) => {
      expect(() => parseEventType(type)).toThrow(/is not <service>/);
    },
  );
});

describe('defineEvent', () => {
  it('returns the definition with its topic, service and version', () => {
    expect(thingMoved).toMatchObject({
      type: 'things.thing.moved.v2',
      topic: 'things.thing.moved',
      service: 'things',
      version: 2,
      description: 'A thing moved.',
    });
    expect(Object.isFrozen(thingMoved)).toBe(true);
  });

  it('creates an outbox entry with a UUIDv7 id, the parsed data as JSON and the correlation defaulted to the id', () => {
    const before = Date.now();
    const entry = thingMoved.create({ subject: 't-1', tenantId: 'tenant-a', data: { thingId: 't-1', to: 3 }, source: 'things-move' });
    expect(isUuid(entry.id) && uuidVersion(entry.id)).toBe(7);
    expect(entry).toEqual({
      id: entry.id,
      type: 'things.thing.moved.v2',
      topic: 'things.thing.moved',
      source: 'things-move',
      subject: 't-1',
      time: entry.time,
      tenantId: 'tenant-a',
      correlationId: entry.id,
      data: '{"thingId":"t-1","to":3,"note":""}',
    });
    expect(Date.parse(entry.time)).toBeGreaterThanOrEqual(before - 1);
  });

  it('keeps a given correlation and causation', () => {
    const entry = thingMoved.create({
      subject: 's',
      tenantId: 't',
      data: { thingId: 's', to: 1 },
      source: 'f',
      ...causedBy({ id: 'e-1', correlationId: 'c-1' }),
    });
    expect(entry).toMatchObject({ correlationId: 'c-1', causationId: 'e-1' });
  });

  it('refuses data its schema refuses', () => {
    const create = () => thingMoved.create({ subject: 's', tenantId: 't', data: { thingId: 's', to: 1.5 }, source: 'f' });
    expect(create).toThrow(InvalidEventError);
    expect(create).toThrow(/things.thing.moved.v2: to/);
  });

  it('orders ids by creation', () => {
    const ids = Array.from({ length: 50 }, () => thingMoved.create({ subject: 's', tenantId: 't', data: { thingId: 's', to: 1 }, source: 'f' }).id);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the traceparent of the active span', async () => {
    initTracing({ serviceName: 'test', exporter: new InMemorySpanExporter() });
    await inSpan('produce', {}, async () => {
      const entry = thingMoved.create({ subject: 's', tenantId: 't', data: { thingId: 's', to: 1 }, source: 'f' });
      const { trace_id, span_id } = spanIds();
      expect(entry.traceparent).toBe(`00-${trace_id}-${span_id}-01`);
    });
  });
});
