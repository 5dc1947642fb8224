import type { Message } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineEvent } from '../../../layers/events/envelope';
import { isValidSignature, SIGNATURE_HEADER } from '../../../layers/events/http-binding';
import { headerStrings, toKafkaMessage } from '../../../layers/events/kafka-binding';
import { makeDelivery } from '../../../triggers/connector';
import type { InvokeRequest, InvokeResponse } from '../../../triggers/invoke';
import { silentLog } from '../events/support';

const SECRET = 'connector-secret-0123456789';

const lampLit = defineEvent({
  type: 'lamps.lamp.lit.v1',
  schema: z.object({ lux: z.number() }),
  aggregate: { service: 'lamps', collection: 'lamps' },
  description: 'A lamp was lit.',
});

const entry = {
  ...lampLit.create({ subject: 'lamp-1', tenantId: 't', data: { lux: 300 }, source: 'lamps-light' }),
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

const consumed = (headers: Record<string, string> = {}) => {
  const message = toKafkaMessage(entry);
  return {
    key: Buffer.from(String(message.key)),
    value: Buffer.from(String(message.value)),
    offset: '7',
    headers: Object.fromEntries(Object.entries({ ...(message.headers as Record<string, string>), ...headers }).map(([k, v]) => [k, Buffer.from(v)])),
  };
};

const setup = (answer: (fn: string, request: InvokeRequest) => Promise<InvokeResponse>) => {
  const invoke = vi.fn(answer);
  const letters: { topic: string; message: Message }[] = [];
  const deliver = makeDelivery({
    invoke,
    deadLetter: async (topic, message) => {
      letters.push({ topic, message });
    },
    log: silentLog,
    secret: SECRET,
    retry: { attempts: 3, initialMs: 1, maxMs: 2, patienceMs: 0 },
    sleep: async () => undefined,
  });
  return { invoke, letters, deliver };
};

const input = (message = consumed()) => ({ functionName: 'lamps-on-lit', topic: 'lamps.lamp.lit', partition: 1, message });

describe('makeDelivery', () => {
  it('POSTs the event as a signed binary-mode CloudEvent with X-Topic and the trace context', async () => {
    const { invoke, deliver, letters } = setup(async () => ({ status: 200, body: { status: 'processed' } }));
    expect(await deliver(input())).toBe('delivered');
    const [fn, request] = invoke.mock.calls[0]!;
    expect(fn).toBe('lamps-on-lit');
    expect(request).toMatchObject({ method: 'POST', path: '', body: '{"lux":300}' });
    expect(request.headers).toMatchObject({
      'ce-id': entry.id,
      'ce-type': entry.type,
      'ce-tenantid': 't',
      'x-topic': 'lamps.lamp.lit',
      'ce-traceparent': entry.traceparent,
    });
    // The event's trace goes on (through the connector's span when tracing runs in its process).
    expect(request.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(isValidSignature(SECRET, entry.id, request.body, request.headers[SIGNATURE_HEADER])).toBe(true);
    expect(letters).toEqual([]);
  });

  it('retries a failing function, then dead-letters the original message with the failure', async () => {
    const { invoke, deliver, letters } = setup(async () => ({ status: 500, body: { code: 'internal_error', detail: 'boom' } }));
    expect(await deliver(input())).toBe('dead-lettered');
    expect(invoke).toHaveBeenCalledTimes(3);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.topic).toBe('lamps.lamp.lit.dlq');
    expect(String(letters[0]!.message.value)).toBe('{"lux":300}');
    expect(headerStrings(letters[0]!.message.headers)).toMatchObject({
      ce_id: entry.id,
      'x-error': '500 internal_error boom',
      'x-failed-function': 'lamps-on-lit',
      'x-attempts': '3',
      'x-original-topic': 'lamps.lamp.lit',
      'x-original-partition': '1',
      'x-original-offset': '7',
    });
  });

  it('dead-letters a 4xx at once', async () => {
    const { invoke, deliver, letters } = setup(async () => ({ status: 422, body: { code: 'invalid_event_data' } }));
    expect(await deliver(input())).toBe('dead-lettered');
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(headerStrings(letters[0]!.message.headers)['x-attempts']).toBe('1');
  });

  it('dead-letters a message that is no CloudEvent without invoking anything', async () => {
    const { invoke, deliver, letters } = setup(async () => ({ status: 200 }));
    const message = consumed();
    delete message.headers.ce_id;
    expect(await deliver(input(message))).toBe('dead-lettered');
    expect(invoke).not.toHaveBeenCalled();
    expect(headerStrings(letters[0]!.message.headers)).toMatchObject({ 'x-attempts': '0', 'x-error': expect.stringMatching(/not a binary-mode CloudEvent/) });
  });

  it('delivers a replayed message only to the function it is for', async () => {
    const { invoke, deliver } = setup(async () => ({ status: 200 }));
    expect(await deliver(input(consumed({ 'x-replay-for': 'lamps-other' })))).toBe('skipped');
    expect(await deliver(input(consumed({ 'x-replay-for': 'lamps-on-lit' })))).toBe('delivered');
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it('lets a dead-letter failure through, so the offset stays and the message is retried', async () => {
    const deliver = makeDelivery({
      invoke: async () => ({ status: 500 }),
      deadLetter: async () => Promise.reject(new Error('broker down')),
      log: silentLog,
      retry: { attempts: 1, initialMs: 1, maxMs: 1, patienceMs: 0 },
      sleep: async () => undefined,
    });
    await expect(deliver(input())).rejects.toThrow('broker down');
  });
});
