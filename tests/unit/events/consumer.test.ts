import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { fromKafkaMessage, toKafkaMessage } from '../../../layers/events/kafka-binding';
import { defineConsumer, defineScheduled, type ConsumedEvent } from '../../../layers/events/consumer';
import { defineEvent } from '../../../layers/events/envelope';
import { sign, SIGNATURE_HEADER, toHttpRequest } from '../../../layers/events/http-binding';
import { makeInbox } from '../../../layers/events/inbox';
import type { FunctionContext } from '../../../layers/http/types';
import { initTracing } from '../../../layers/tracing';
import { callHandler, memoryInboxStore } from './support';

const exporter = new InMemorySpanExporter();
initTracing({ serviceName: 'test', exporter });

const SECRET = 'connector-secret-0123456789';

const seatBooked = defineEvent({
  type: 'shows.seat.booked.v1',
  schema: z.object({ seat: z.string().regex(/^[A-Z][0-9]+$/), price: z.number().int() }),
  aggregate: { service: 'shows', collection: 'shows' },
  description: 'A seat was booked.',
});
const seatFreed = defineEvent({
  type: 'shows.seat.freed.v1',
  schema: z.object({ seat: z.string() }),
  aggregate: { service: 'shows', collection: 'shows' },
  description: 'A seat was freed.',
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** What the connector would POST for an event of `definition` with `data`. */
const delivery = (data: unknown, definition: typeof seatBooked | typeof seatFreed = seatBooked, secret = SECRET) => {
  // A valid entry, then the data under test in its place: the consumer must validate what arrives.
  const valid =
    definition === seatBooked
      ? seatBooked.create({ subject: 'show-1', tenantId: 'tenant-a', data: { seat: 'A1', price: 10 }, source: 'shows-book' })
      : seatFreed.create({ subject: 'show-1', tenantId: 'tenant-a', data: { seat: 'A1' }, source: 'shows-book' });
  const entry = { ...valid, traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` };
  const message = toKafkaMessage({ ...entry, data: JSON.stringify(data) });
  const event = fromKafkaMessage({ key: message.key as string, value: message.value as string, headers: message.headers });
  const request = toHttpRequest(event, { secret, topic: definition.topic });
  return { entry, event: { method: 'POST', headers: request.headers, body: request.body } };
};

const setup = () => {
  const seen: { event: ConsumedEvent<unknown>; context: FunctionContext }[] = [];
  const core = vi.fn(async (event: ConsumedEvent<unknown>, context: FunctionContext) => {
    seen.push({ event, context });
  });
  const store = memoryInboxStore();
  const handler = defineConsumer({ name: 'shows-on-seat-booked', summary: 'Count booked seats', events: { [seatBooked.type]: seatBooked.schema } }, core, {
    secret: SECRET,
    inbox: async () => makeInbox(store),
  });
  return { handler, core, seen, store };
};

describe('defineConsumer', () => {
  it('runs the core with the validated event, scoped to its tenant, and answers processed', async () => {
    const { handler, seen } = setup();
    const { entry, event } = delivery({ seat: 'B7', price: 12 });
    const reply = await callHandler(handler, event);
    expect(reply).toMatchObject({ status: 200, body: { status: 'processed' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.event).toEqual({
      id: entry.id,
      type: 'shows.seat.booked.v1',
      source: 'shows-book',
      subject: 'show-1',
      time: entry.time,
      tenantId: 'tenant-a',
      correlationId: entry.id,
      traceparent: entry.traceparent,
      data: { seat: 'B7', price: 12 },
    });
    expect(seen[0]!.context.tenantId).toBe('tenant-a');
  });

  it('answers duplicate for a redelivered event and does not run the core again', async () => {
    const { handler, core } = setup();
    const { event } = delivery({ seat: 'B7', price: 12 });
    await callHandler(handler, event);
    expect(await callHandler(handler, event)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(core).toHaveBeenCalledTimes(1);
  });

  it('answers 200 ignored for a type it does not consume, so the connector never retries it', async () => {
    const { handler, core } = setup();
    expect(await callHandler(handler, delivery({ seat: 'A1' }, seatFreed).event)).toMatchObject({ status: 200, body: { status: 'ignored' } });
    expect(core).not.toHaveBeenCalled();
  });

  it('answers 422 with the issues when the data breaks its schema', async () => {
    const { handler, core } = setup();
    const reply = await callHandler(handler, delivery({ seat: 'nope', price: 'x' }).event);
    expect(reply.status).toBe(422);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ code: 'invalid_event_data', errors: [{ path: 'data.seat' }, { path: 'data.price' }] });
    expect(core).not.toHaveBeenCalled();
  });

  it('refuses an unsigned or forged event with 401', async () => {
    const { handler, core } = setup();
    const unsigned = delivery({ seat: 'B7', price: 12 }, seatBooked, '').event;
    expect((await callHandler(handler, unsigned)).status).toBe(401);
    const forged = delivery({ seat: 'B7', price: 12 }).event;
    expect((await callHandler(handler, { ...forged, body: forged.body.replace('12', '0') })).status).toBe(401);
    expect(core).not.toHaveBeenCalled();
  });

  it('answers 400 for a request that is no CloudEvent, and 405 for another method', async () => {
    const { handler } = setup();
    const body = '{}';
    const headers = { 'content-type': 'application/json', 'ce-id': 'x', [SIGNATURE_HEADER]: sign(SECRET, 'x', body) };
    expect(await callHandler(handler, { headers, body })).toMatchObject({ status: 400, body: { code: 'unsupported_specversion' } });
    expect((await callHandler(handler, { method: 'GET', headers: {} })).status).toBe(405);
  });

  it('answers 500 when the core fails and lets the retry run it', async () => {
    const { handler, core } = setup();
    core.mockRejectedValueOnce(new Error('db down'));
    const { event } = delivery({ seat: 'B7', price: 12 });
    expect(await callHandler(handler, event)).toMatchObject({ status: 500, body: { code: 'internal_error' } });
    expect(await callHandler(handler, event)).toMatchObject({ status: 200, body: { status: 'processed' } });
  });

  it("continues the event's trace", async () => {
    const { handler } = setup();
    exporter.reset();
    await callHandler(handler, delivery({ seat: 'B7', price: 12 }).event);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'POST shows-on-seat-booked');
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('describes itself for the gateway', () => {
    expect(setup().handler.consumer).toEqual({ kind: 'events', name: 'shows-on-seat-booked', summary: 'Count booked seats', events: ['shows.seat.booked.v1'] });
  });
});

describe('defineScheduled', () => {
  const handler = defineScheduled({ name: 'shows-expire-holds', summary: 'Expire seat holds' }, async () => ({ expired: 3 }), { secret: SECRET });

  it('runs on a signed empty POST and answers what the run did', async () => {
    const headers = { 'ce-id': 'run-1', [SIGNATURE_HEADER]: sign(SECRET, 'run-1', '') };
    expect(await callHandler(handler, { headers })).toMatchObject({ status: 200, body: { status: 'done', expired: 3 } });
  });

  it('refuses an unsigned call', async () => {
    expect((await callHandler(handler, { headers: { 'ce-id': 'run-1' } })).status).toBe(401);
  });

  it('describes itself for the gateway', () => {
    expect(handler.consumer).toEqual({ kind: 'scheduled', name: 'shows-expire-holds', summary: 'Expire seat holds', events: [] });
  });
});
