import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { consumersOf, topics, type TopicSpec } from './catalogue';
import type { Stack } from './stack';

/**
 * The AsyncAPI 3.0 document of the event bus, generated from the catalogue: one channel per
 * topic and per dead-letter topic, one message per event type (payload = the data's JSON
 * Schema, headers = the CloudEvents Kafka binding), a `send` operation per producer and a
 * `receive` operation per consumer subscribed in stack.yml. The gateway serves it at
 * /asyncapi.json; `npx tsx triggers/asyncapi.ts` writes triggers/asyncapi.json.
 */
type Json = Record<string, unknown>;

const KAFKA_BINDING_VERSION = '0.5.0';

const headerProperty = (description: string, extra: Json = {}): Json => ({ type: 'string', description, ...extra });

/** CloudEvents 1.0, Kafka protocol binding, binary content mode. */
export const cloudEventHeaders: Json = {
  type: 'object',
  required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_subject', 'ce_time', 'ce_tenantid', 'ce_correlationid', 'content-type'],
  properties: {
    ce_specversion: headerProperty('CloudEvents spec version.', { const: '1.0' }),
    ce_id: headerProperty('Event id, a UUIDv7; consumers drop ids they processed.', { format: 'uuid' }),
    ce_type: headerProperty('<service>.<entity>.<event>.v<N>'),
    ce_source: headerProperty('The producing function.'),
    ce_subject: headerProperty('The aggregate id; also the message key.'),
    ce_time: headerProperty('When the event happened.', { format: 'date-time' }),
    ce_tenantid: headerProperty('The tenant the event belongs to.'),
    ce_correlationid: headerProperty('The id of the first event or request of the flow.'),
    ce_causationid: headerProperty('The id of the event that caused this one.'),
    ce_traceparent: headerProperty('W3C trace context of the producing span.'),
    'content-type': headerProperty('The data content type.', { const: 'application/json' }),
  },
};

const deadLetterHeaders: Json = {
  type: 'object',
  required: ['x-error', 'x-failed-function', 'x-attempts', 'x-original-topic', 'x-original-partition', 'x-original-offset'],
  properties: {
    ...(cloudEventHeaders.properties as Json),
    'x-error': headerProperty('The last error of the failed delivery.'),
    'x-failed-function': headerProperty('The function that could not process the event.'),
    'x-attempts': headerProperty('Delivery attempts made.'),
    'x-original-topic': headerProperty('The topic the event was consumed from.'),
    'x-original-partition': headerProperty('Its partition there.'),
    'x-original-offset': headerProperty('Its offset there.'),
  },
};

const jsonSchemaOf = (schema: z.ZodType): Json => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-07', unrepresentable: 'any' }) as Json;
  return rest;
};

/** Component names allow letters, digits, `.`, `-` and `_`: event types and topics fit as they are. */
const ref = (...segments: string[]): { $ref: string } => ({ $ref: `#/${segments.join('/')}` });

const kafkaChannelBinding = (spec: TopicSpec, retentionMs: number): Json => ({
  kafka: {
    topic: spec.name,
    partitions: spec.partitions,
    replicas: spec.replication,
    topicConfiguration: { 'retention.ms': retentionMs },
    bindingVersion: KAFKA_BINDING_VERSION,
  },
});

export const asyncApiDocument = (stack?: Stack, env: Record<string, string | undefined> = process.env): Json => {
  const specs = topics(env);
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};

  for (const spec of specs) {
    const channelMessages = Object.fromEntries(spec.events.map((event) => [event.type, ref('components', 'messages', event.type)]));
    for (const event of spec.events) {
      messages[event.type] = {
        name: event.type,
        title: event.type,
        summary: event.description,
        contentType: 'application/json',
        traits: [ref('components', 'messageTraits', 'cloudEvent')],
        payload: jsonSchemaOf(event.schema),
        correlationId: { location: '$message.header#/ce_correlationid' },
        bindings: { kafka: { key: { type: 'string', description: 'The aggregate id (ce_subject).' }, bindingVersion: KAFKA_BINDING_VERSION } },
      };
    }
    channels[spec.name] = {
      address: spec.name,
      title: spec.name,
      description: spec.description,
      messages: channelMessages,
      bindings: kafkaChannelBinding(spec, spec.retentionMs),
    };
    channels[spec.dlq] = {
      address: spec.dlq,
      title: spec.dlq,
      description: `Dead letters of ${spec.name}: events a consumer failed to process after its retries, with the error attached. platform-dlq-replay moves them back.`,
      messages: { deadLetter: ref('components', 'messages', 'deadLetter') },
      bindings: kafkaChannelBinding(spec, spec.dlqRetentionMs),
    };
    const channelMessageRefs = spec.events.map((event) => ref('channels', spec.name, 'messages', event.type));
    for (const producer of spec.producers) {
      operations[`${producer}.send.${spec.name}`] = {
        action: 'send',
        channel: ref('channels', spec.name),
        summary: `${producer} publishes through its outbox.`,
        messages: channelMessageRefs,
      };
    }
    for (const consumer of stack ? consumersOf(stack, spec.name) : []) {
      operations[`${consumer}.receive.${spec.name}`] = {
        action: 'receive',
        channel: ref('channels', spec.name),
        summary: `The trigger connector invokes ${consumer} (consumer group connector.${consumer}).`,
        messages: channelMessageRefs,
      };
    }
  }

  messages.deadLetter = {
    name: 'deadLetter',
    title: 'Dead letter',
    summary: 'The original message (key, value, CloudEvents headers) with the failure attached.',
    contentType: 'application/json',
    headers: deadLetterHeaders,
    payload: {},
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Marketplace events',
      version: '1.0.0',
      description: 'CloudEvents 1.0 over Kafka (binary content mode). Delivery is at least once; consumers keep an inbox and drop duplicates.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0], protocol: 'kafka', description: 'The local broker.' },
    },
    channels,
    operations,
    components: {
      messages,
      messageTraits: { cloudEvent: { headers: cloudEventHeaders } },
    },
  };
};

export const ASYNCAPI_PATH = path.join(__dirname, 'asyncapi.json');

const main = async (): Promise<void> => {
  const { loadStack } = await import('./stack');
  // The committed file describes the local defaults, whatever this shell's environment says.
  writeFileSync(ASYNCAPI_PATH, `${JSON.stringify(asyncApiDocument(loadStack(), {}), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), ASYNCAPI_PATH)}`);
};

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
