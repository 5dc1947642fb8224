import type { CloudEvent } from 'cloudevents';
import type { IHeaders, Message, TopicMessages } from 'kafkajs';
import { attributesOf, fromHeaders, parseData, toHeaders } from './cloudevent';
import type { OutboxEntry } from './envelope';

/**
 * CloudEvents Kafka protocol binding, binary content mode: attributes in `ce_*` headers,
 * `content-type` for `datacontenttype`, the JSON data as the value, and the subject (the
 * aggregate id) as the key so the events of one aggregate land on one partition, in order.
 */
export const toKafkaMessage = (entry: OutboxEntry): Message => ({
  key: entry.subject,
  value: entry.data,
  headers: toHeaders(attributesOf(entry), 'ce_'),
  timestamp: String(Date.parse(entry.time)),
});

/** Groups entries by topic for one `sendBatch`, keeping their order within each topic. */
export const toTopicMessages = (entries: readonly OutboxEntry[]): TopicMessages[] => {
  const byTopic = new Map<string, Message[]>();
  for (const entry of entries) {
    const messages = byTopic.get(entry.topic) ?? [];
    messages.push(toKafkaMessage(entry));
    byTopic.set(entry.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
};

/** Kafka header values arrive as Buffers; names are lower-cased, a repeated header keeps its last value. */
export const headerStrings = (headers: IHeaders | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name.toLowerCase()] = last.toString();
  }
  return out;
};

export interface KafkaRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
}

export const fromKafkaMessage = (message: KafkaRecord): CloudEvent<unknown> => fromHeaders(headerStrings(message.headers), 'ce_', parseData(message.value));
