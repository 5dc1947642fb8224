import type { KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeConnections, kafka, producer, serviceDb } from '../../../layers/connections';
import { defineConsumer, type ConsumerHandler } from '../../../layers/events/consumer';
import { defineEvent, type OutboxEntry } from '../../../layers/events/envelope';
import { headerStrings } from '../../../layers/events/kafka-binding';
import { publishToKafka } from '../../../layers/events/outbox';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';
import { makeDlqReplay } from '../../../functions/platform/dlq-replay';
import { startConnector, type Connector } from '../../../triggers/connector';
import type { Invoke } from '../../../triggers/invoke';
import { parseStack } from '../../../triggers/stack';
import { collect, createTopics, deleteTopics, eventually, runSuffix } from '../events/kafka-support';

const log = pino({ level: 'silent' });
const SECRET = 'connector-secret-0123456789';
const suffix = runSuffix();
const service = `itcn${suffix}`;
const bellRang = defineEvent({
  type: `${service}.bell.rang.v1`,
  schema: z.object({ times: z.number().int().positive() }),
  aggregate: { service, collection: 'bells' },
  description: 'A bell rang.',
});
const topic = bellRang.topic;
const dlq = `${topic}.dlq`;
const steady = `${service}-steady`;
const flaky = `${service}-flaky`;

const stack = parseStack(`
version: 1.0
provider: { name: openfaas }
functions:
  ${steady}: { handler: ./steady.ts, annotations: { topic: "${topic}" } }
  ${flaky}: { handler: ./flaky.ts, annotations: { topic: "${topic}" } }
  ${service}-tick: { handler: ./tick.ts, annotations: { topic: cron-function, schedule: "* * * * *" } }
`);

/** Per function: every invocation (event id) and every effect that ran. */
const calls: Record<string, string[]> = { [steady]: [], [flaky]: [] };
const effects: Record<string, string[]> = { [steady]: [], [flaky]: [] };
const effectAt = new Map<string, number>();
let flakyFails = true;

const handlers: Record<string, ConsumerHandler> = {
  [steady]: defineConsumer(
    { name: steady, summary: 'steady', events: { [bellRang.type]: bellRang.schema } },
    async (event) => {
      effects[steady]!.push(event.id);
      effectAt.set(event.id, Date.now());
    },
    { secret: SECRET },
  ),
  [flaky]: defineConsumer(
    { name: flaky, summary: 'flaky', events: { [bellRang.type]: bellRang.schema } },
    async (event) => {
      if (flakyFails) throw new Error('flaky is down');
      effects[flaky]!.push(event.id);
    },
    { secret: SECRET },
  ),
};

/** What the gateway does: run the function's handler in process, through the template's adapter. */
const invoke: Invoke = async (fn, request) => {
  calls[fn]!.push(request.headers['ce-id']!);
  const reply = await invokeHandler(handlers[fn]!, { ...request, query: {} });
  return { status: reply.status, body: reply.body.length > 0 ? JSON.parse(String(reply.body)) : undefined };
};

let connector: Connector;
let deadLetters: Awaited<ReturnType<typeof collect>>;

const ring = (times: number, bell = 'bell-1'): OutboxEntry =>
  bellRang.create({ subject: bell, tenantId: 'tenant-a', data: { times }, source: `${service}-ring` });

const lettersFor = (id: string): KafkaMessage[] => deadLetters.messages.filter((m) => headerStrings(m.headers).ce_id === id);

beforeAll(async () => {
  await createTopics(topic, dlq);
  connector = await startConnector({
    stack,
    invoke,
    kafka: await kafka(),
    log,
    secret: SECRET,
    retry: { attempts: 3, initialMs: 50, maxMs: 200, patienceMs: 0 },
    timeoutMs: 5_000,
  });
  await connector.ready;
  deadLetters = await collect(dlq);
});

afterAll(async () => {
  await connector?.stop();
  await deadLetters?.stop();
  await deleteTopics(topic, dlq).catch(() => undefined);
  await (await serviceDb(service)).dropDatabase();
  await closeConnections();
});

describe('Kafka trigger connector', () => {
  it('subscribes each event function in its own group and leaves cron functions out', () => {
    expect(connector.subscriptions).toEqual([
      { function: steady, topics: [topic] },
      { function: flaky, topics: [topic] },
    ]);
  });

  it('retries a failing function, dead-letters the event, and delivers it exactly once to its sibling', async () => {
    const event = ring(1);
    await publishToKafka([event]);

    await eventually(() => lettersFor(event.id).length === 1, 20_000, 'the dead letter');
    expect(effects[steady]).toEqual([event.id]);
    expect(calls[steady]).toEqual([event.id]);
    expect(calls[flaky]).toEqual([event.id, event.id, event.id]);
    expect(headerStrings(lettersFor(event.id)[0]!.headers)).toMatchObject({
      ce_type: bellRang.type,
      'x-failed-function': flaky,
      'x-attempts': '3',
      'x-original-topic': topic,
      'x-error': expect.stringContaining('500 internal_error'),
    });
    expect(JSON.parse(String(lettersFor(event.id)[0]!.value))).toEqual({ times: 1 });
  });

  it('replays the dead letter to the failed function only', async () => {
    flakyFails = false;
    const replay = makeDlqReplay({
      kafka: await kafka(),
      send: async (t, messages) => {
        await (await producer()).send({ topic: t, messages, acks: -1 });
      },
      log,
      deadlineMs: 20_000,
    });
    const [dead] = effects[steady]!;
    expect(await replay({ topic, max: 100 })).toEqual({ replayed: 1, remaining: 0 });

    await eventually(() => effects[flaky]!.length === 1, 20_000, 'the replayed event');
    expect(effects[flaky]).toEqual([dead]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(calls[steady]).toEqual([dead]); // never saw the replay
    expect(await replay({ topic, max: 100 })).toEqual({ replayed: 0, remaining: 0 });
  });

  it('dead-letters an event its consumers refuse (4xx) at once, without retries', async () => {
    const invalid = { ...ring(1, 'bell-2'), data: JSON.stringify({ times: -3 }) };
    await publishToKafka([invalid]);
    await eventually(() => lettersFor(invalid.id).length === 2, 20_000, 'two dead letters');
    expect(lettersFor(invalid.id).map((m) => headerStrings(m.headers)['x-attempts'])).toEqual(['1', '1']);
    expect(calls[flaky]!.filter((id) => id === invalid.id)).toHaveLength(1);
    expect(effects[steady]).not.toContain(invalid.id);
  });

  it('delivers one event within moments of its publication', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const event = ring(1, `bell-latency-${i}`);
      const started = Date.now();
      await publishToKafka([event]);
      await eventually(() => effects[steady]!.includes(event.id), 5_000, 'the event');
      latencies.push(effectAt.get(event.id)! - started);
    }
    expect(Math.min(...latencies)).toBeLessThan(500); // about 10 ms locally
  });

  it('keeps the order of one aggregate and delivers a burst quickly', async () => {
    const burst = Array.from({ length: 20 }, (_, i) => ring(i + 1, 'bell-3'));
    const started = Date.now();
    await publishToKafka(burst);
    await eventually(() => burst.every((e) => effects[steady]!.includes(e.id)), 20_000, 'the burst');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(effects[steady]!.filter((id) => burst.some((e) => e.id === id))).toEqual(burst.map((e) => e.id));
  });
});
