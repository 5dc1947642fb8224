import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudEvent } from 'cloudevents';
import type { Consumer, ConsumerConfig, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { toHttpRequest } from '../layers/events/http-binding';
import { fromKafkaMessage, headerStrings } from '../layers/events/kafka-binding';
import { metrics } from '../layers/metrics';
import { currentTraceparent, extractContext, inSpan, SpanKind } from '../layers/tracing';
import { dlqOf } from './catalogue';
import { deadLetterMessage, REPLAY_HEADER, type Failure, type RawMessage } from './dead-letter';
import { startKafkaGauges } from './kafka-gauges';
import { invokeWithin, type Invoke } from './invoke';
import { DEFAULT_RETRY, deliverWithRetry, type RetryPolicy } from './retry';
import { subscriptions, type Stack } from './stack';

/**
 * The Kafka trigger connector (the OpenFaaS connector contract): every function with a `topic`
 * annotation gets its own consumer group, `connector.<function>`, so a failing function only
 * ever holds up its own partitions, and never makes the others on the topic see an event twice.
 * Each message is POSTed to the function as a binary-mode CloudEvent with `X-Topic`, the trace
 * context and the connector's signature; failures retry with backoff, then the original message
 * goes to `<topic>.dlq` with the failure attached, and the offset moves on.
 */
export const groupIdOf = (functionName: string, prefix = 'connector'): string => `${prefix}.${functionName}`;

export type DeliveryResult = 'delivered' | 'skipped' | 'dead-lettered';

export interface DeliveryDeps {
  invoke: Invoke;
  /** Publishes a dead letter durably; a failure leaves the offset where it is, to be retried. */
  deadLetter: (topic: string, message: Message) => Promise<void>;
  log: Logger;
  secret?: string;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
}

export interface DeliveryInput {
  functionName: string;
  topic: string;
  partition: number;
  message: RawMessage;
  heartbeat?: () => Promise<void>;
}

/** Delivers one message to one function, or dead-letters it; never throws for the function's failures. */
export const makeDelivery = (deps: DeliveryDeps) => {
  const deadLetter = async (input: DeliveryInput, error: string, attempts: number): Promise<DeliveryResult> => {
    const failure: Failure = { functionName: input.functionName, topic: input.topic, partition: input.partition, error, attempts };
    await deps.deadLetter(dlqOf(input.topic), deadLetterMessage(input.message, failure));
    metrics.dlqMessages.inc({ topic: input.topic, function: input.functionName });
    deps.log.warn({ ...failure, offset: input.message.offset }, 'event dead-lettered');
    return 'dead-lettered';
  };

  return async (input: DeliveryInput): Promise<DeliveryResult> => {
    const replayFor = headerStrings(input.message.headers)[REPLAY_HEADER];
    if (replayFor && replayFor !== input.functionName) return 'skipped';
    let event: CloudEvent<unknown>;
    try {
      event = fromKafkaMessage(input.message);
    } catch (error) {
      return deadLetter(input, (error as Error).message, 0);
    }
    const traceparent = typeof event.traceparent === 'string' ? event.traceparent : undefined;
    return inSpan(
      `${input.topic} process`,
      {
        parent: extractContext({ traceparent }),
        kind: SpanKind.CONSUMER,
        attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': input.topic, 'faas.invoked_name': input.functionName },
      },
      async () => {
        const request = toHttpRequest(event, { secret: deps.secret, topic: input.topic, traceparent: currentTraceparent() ?? traceparent });
        const outcome = await deliverWithRetry(() => deps.invoke(input.functionName, { method: 'POST', path: '', ...request }), deps.retry, {
          sleep: deps.sleep,
          beforeWait: input.heartbeat,
        });
        return outcome.delivered ? 'delivered' : deadLetter(input, outcome.error, outcome.attempts);
      },
    );
  };
};

export interface ConnectorOptions {
  stack: Stack;
  invoke: Invoke;
  kafka: Kafka;
  log: Logger;
  /** For dead letters; an idempotent producer of `kafka` when absent. */
  producer?: Producer;
  /** CONNECTOR_SECRET: signs every delivery. */
  secret?: string;
  retry?: Partial<RetryPolicy>;
  /** Per attempt. */
  timeoutMs?: number;
  /** Only these functions (tests, or splitting connectors across processes). */
  functions?: string[];
  consumer?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  partitionsConsumedConcurrently?: number;
  /** How often consumer lag and DLQ sizes are read from the broker (15 s); 0: never. */
  gaugesIntervalMs?: number;
  /**
   * Consumer groups are `<groupPrefix>.<function>` ('connector'). A run that must not inherit
   * another's backlog (a benchmark) takes a prefix of its own and `fromBeginning: false`: its new
   * groups start at the end of each topic instead of replaying its history.
   */
  groupPrefix?: string;
  fromBeginning?: boolean;
}

export interface Connector {
  /** Every function and the topics it is subscribed to. */
  subscriptions: { function: string; topics: string[] }[];
  /** Resolves once every consumer group has been joined. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Low latency first: a fetch returns as soon as one byte is there (`minBytes: 1`), an idle one
 * after 50 ms; heartbeats every 1.5 s against a 15 s session, so joins and rebalances settle
 * fast (the local broker also sets `group.initial.rebalance.delay.ms=0`), with room for one
 * slow attempt between two heartbeats.
 */
export const CONSUMER_DEFAULTS: Omit<ConsumerConfig, 'groupId'> = {
  sessionTimeout: 15_000,
  rebalanceTimeout: 15_000,
  heartbeatInterval: 1_500,
  maxWaitTimeInMs: 50,
  minBytes: 1,
  allowAutoTopicCreation: false,
};

export const startConnector = async (options: ConnectorOptions): Promise<Connector> => {
  const { kafka, log } = options;
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  await admin.disconnect();

  const wanted = subscriptions(options.stack).filter((s) => !options.functions || options.functions.includes(s.function));
  const plan = wanted
    .map((s) => {
      const missing = s.topics.filter((topic) => !existing.has(topic));
      if (missing.length > 0) log.error({ function: s.function, missing }, 'topics not provisioned; run triggers/provision.ts');
      return { function: s.function, topics: s.topics.filter((topic) => existing.has(topic)) };
    })
    .filter((s) => s.topics.length > 0);

  const ownProducer = options.producer ? undefined : kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const producer = options.producer ?? ownProducer!;
  if (ownProducer) await ownProducer.connect();

  const deliver = makeDelivery({
    invoke: invokeWithin(options.invoke, options.timeoutMs ?? 10_000),
    deadLetter: async (topic, message) => {
      await producer.send({ topic, messages: [message], acks: -1 });
    },
    log,
    secret: options.secret,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    sleep: (ms) => sleep(ms),
  });

  const consumers: Consumer[] = [];
  const joins: Promise<void>[] = [];
  for (const subscription of plan) {
    const groupId = groupIdOf(subscription.function, options.groupPrefix);
    const consumer = kafka.consumer({ ...CONSUMER_DEFAULTS, ...options.consumer, groupId });
    consumers.push(consumer);
    joins.push(new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve())));
    consumer.on(consumer.events.CRASH, ({ payload }) => log.error({ err: payload.error, groupId, restart: payload.restart }, 'connector consumer crashed'));
    await consumer.connect();
    await consumer.subscribe({ topics: subscription.topics, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          await deliver({ functionName: subscription.function, topic: batch.topic, partition: batch.partition, message, heartbeat });
          resolveOffset(message.offset);
          await heartbeat();
        }
      },
    });
  }

  const gaugesIntervalMs = options.gaugesIntervalMs ?? 15_000;
  const gauges =
    gaugesIntervalMs > 0
      ? await startKafkaGauges({
          kafka,
          log,
          intervalMs: gaugesIntervalMs,
          targets: {
            groups: plan.map((s) => ({ groupId: groupIdOf(s.function, options.groupPrefix), topics: s.topics })),
            deadLettered: [...new Set(plan.flatMap((s) => s.topics))],
          },
        })
      : undefined;

  log.info({ subscriptions: plan }, 'trigger connector started');
  return {
    subscriptions: plan,
    ready: Promise.all(joins).then(() => undefined),
    stop: async () => {
      await gauges?.stop();
      await Promise.all(consumers.map((consumer) => consumer.disconnect()));
      if (ownProducer) await ownProducer.disconnect();
    },
  };
};
