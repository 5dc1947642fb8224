import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toConsumedEvent } from '../../../layers/events/cloudevent';
import { defineEvent, type OutboxEntry } from '../../../layers/events/envelope';
import { fromHttpRequest, isValidSignature, sign, SIGNATURE_HEADER, toHttpRequest } from '../../../layers/events/http-binding';
import { fromKafkaMessage, toKafkaMessage, toTopicMessages } from '../../../layers/events/kafka-binding';
import { AppError } from '../../../layers/errors';

const parcelSent = defineEvent({
  type: 'parcels.parcel.sent.v1',
  schema: z.object({ parcelId: z.string(), weight: z.number(), tags: z.array(z.string()) }),
  aggregate: { service: 'parcels', collection: 'parcels' },
  description: 'A parcel left.',
});

const entry: OutboxEntry = {
  ...parcelSent.create({
    subject: 'p-1',
    tenantId: 'tenant-a',
    data: { parcelId: 'p-1', weight: 2.5, tags: ['fragile'] },
    source: 'parcels-send',
    causationId: 'e-0',
    correlationId: 'c-0',
  }),
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

/** As kafkajs hands a consumed message over: header values are Buffers. */
const asConsumed = (message: ReturnType<typeof toKafkaMessage>) => ({
  key: Buffer.from(String(message.key)),
  value: Buffer.from(String(message.value)),
  headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
});

const statusOf = (fn: () => unknown): number => {
  try {
    fn();
  } catch (error) {
    return (error as AppError).status;
  }
  return 0;
};

describe('Kafka binding (binary mode)', () => {
  it('maps an outbox entry to ce_* headers, the subject as key and the data as value', () => {
    expect(toKafkaMessage(entry)).toEqual({
      key: 'p-1',
      value: '{"parcelId":"p-1","weight":2.5,"tags":["fragile"]}',
      timestamp: String(Date.parse(entry.time)),
      headers: {
        'content-type': 'application/json',
        ce_specversion: '1.0',
        ce_id: entry.id,
        ce_type: 'parcels.parcel.sent.v1',
        ce_source: 'parcels-send',
        ce_subject: 'p-1',
        ce_time: entry.time,
        ce_tenantid: 'tenant-a',
        ce_correlationid: 'c-0',
        ce_causationid: 'e-0',
        ce_traceparent: entry.traceparent,
      },
    });
  });

  it('leaves out optional extensions that are absent', () => {
    const { causationId: _c, traceparent: _t, ...bare } = entry;
    const headers = toKafkaMessage(bare).headers!;
    expect(Object.keys(headers)).not.toContain('ce_causationid');
    expect(Object.keys(headers)).not.toContain('ce_traceparent');
  });

  it('reads the event back from Buffers, validated', () => {
    const event = fromKafkaMessage(asConsumed(toKafkaMessage(entry)));
    expect(event).toMatchObject({
      specversion: '1.0',
      id: entry.id,
      type: entry.type,
      source: 'parcels-send',
      subject: 'p-1',
      time: entry.time,
      datacontenttype: 'application/json',
      tenantid: 'tenant-a',
      correlationid: 'c-0',
      causationid: 'e-0',
      traceparent: entry.traceparent,
      data: { parcelId: 'p-1', weight: 2.5, tags: ['fragile'] },
    });
  });

  it('answers 400 for what is not a binary-mode CloudEvent', () => {
    const message = asConsumed(toKafkaMessage(entry));
    const { ce_id: _id, ...noId } = message.headers;
    expect(statusOf(() => fromKafkaMessage({ ...message, headers: noId }))).toBe(400);
    const { ce_type: _type, ...noType } = message.headers;
    expect(statusOf(() => fromKafkaMessage({ ...message, headers: noType }))).toBe(400);
    expect(statusOf(() => fromKafkaMessage({ ...message, headers: { ...message.headers, ce_specversion: Buffer.from('0.1') } }))).toBe(400);
    expect(statusOf(() => fromKafkaMessage({ ...message, value: Buffer.from('{nope') }))).toBe(400);
  });

  it('groups entries by topic for one sendBatch, in order', () => {
    const other = { ...entry, id: 'x', topic: 'parcels.parcel.lost' };
    const second = { ...entry, id: 'y' };
    const grouped = toTopicMessages([entry, other, second]);
    expect(grouped.map((g) => [g.topic, g.messages.map((m) => (m.headers as Record<string, string>).ce_id)])).toEqual([
      ['parcels.parcel.sent', [entry.id, 'y']],
      ['parcels.parcel.lost', ['x']],
    ]);
  });
});

describe('HTTP binding (binary mode) and the connector signature', () => {
  const secret = 'connector-secret-0123456789';
  const event = fromKafkaMessage(asConsumed(toKafkaMessage(entry)));

  it('maps an event to ce-* headers, the trace context, the topic and a signature', () => {
    const request = toHttpRequest(event, { secret, topic: 'parcels.parcel.sent' });
    expect(request.body).toBe(entry.data);
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': entry.id,
      'ce-type': entry.type,
      'ce-source': 'parcels-send',
      'ce-subject': 'p-1',
      'ce-time': entry.time,
      'ce-tenantid': 'tenant-a',
      'ce-correlationid': 'c-0',
      'ce-causationid': 'e-0',
      'ce-traceparent': entry.traceparent,
      traceparent: entry.traceparent,
      'x-topic': 'parcels.parcel.sent',
      [SIGNATURE_HEADER]: sign(secret, entry.id, entry.data),
    });
  });

  it('round-trips entry → Kafka → HTTP → the consumer view', () => {
    const request = toHttpRequest(event, { secret });
    const consumed = toConsumedEvent(fromHttpRequest(request.headers, request.body, secret));
    expect(consumed).toEqual({
      id: entry.id,
      type: entry.type,
      source: entry.source,
      subject: entry.subject,
      time: entry.time,
      tenantId: entry.tenantId,
      correlationId: entry.correlationId,
      causationId: entry.causationId,
      traceparent: entry.traceparent,
      data: JSON.parse(entry.data),
    });
  });

  it('accepts a body an outer layer already parsed', () => {
    const request = toHttpRequest(event, { secret });
    expect(fromHttpRequest(request.headers, JSON.parse(request.body), secret).id).toBe(entry.id);
    expect(fromHttpRequest(request.headers, Buffer.from(request.body), secret).id).toBe(entry.id);
  });

  it('refuses (401) a missing, forged or replayed-with-another-body signature', () => {
    const request = toHttpRequest(event, { secret });
    const { [SIGNATURE_HEADER]: _sig, ...unsigned } = request.headers;
    expect(statusOf(() => fromHttpRequest(unsigned, request.body, secret))).toBe(401);
    expect(statusOf(() => fromHttpRequest(request.headers, request.body.replace('2.5', '25'), secret))).toBe(401);
    expect(statusOf(() => fromHttpRequest({ ...request.headers, 'ce-id': 'other' }, request.body, secret))).toBe(401);
    expect(
      statusOf(() => fromHttpRequest({ ...request.headers, [SIGNATURE_HEADER]: sign('another-secret-0123456', entry.id, request.body) }, request.body, secret)),
    ).toBe(401);
    expect(fromHttpRequest(unsigned, request.body).id).toBe(entry.id); // no secret configured: accepted
  });

  it('compares signatures of any length safely', () => {
    expect(isValidSignature(secret, 'id', 'body', sign(secret, 'id', 'body'))).toBe(true);
    expect(isValidSignature(secret, 'id', 'body', 'sha256=short')).toBe(false);
    expect(isValidSignature(secret, 'id', 'body', undefined)).toBe(false);
    expect(sign(secret, 'ab', 'c')).not.toBe(sign(secret, 'a', 'bc'));
  });

  it('requires the tenant and the subject of every event', () => {
    const { tenantid: _t, ...rest } = { ...event } as Record<string, unknown>;
    const request = toHttpRequest(event);
    const { 'ce-tenantid': _h, ...noTenant } = request.headers;
    expect(statusOf(() => toConsumedEvent(fromHttpRequest(noTenant, request.body)))).toBe(400);
    expect(rest.id).toBe(entry.id);
  });
});
