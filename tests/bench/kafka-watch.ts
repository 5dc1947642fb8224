import type { Kafka } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { provisionTopics } from '../../triggers/provision';

/**
 * The benches' view of Kafka: a consumer of the topics they time, keyed by CloudEvent subject,
 * and a plain produce → consume round trip on a topic of its own, the baseline every event
 * figure is compared with. An event may arrive before the HTTP reply that names its subject:
 * arrivals are kept until claimed.
 */
export const RAW_TOPIC = 'bench.raw.roundtrip';

export const watchKafka = async (kafka: Kafka, topics: string[]) => {
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, [{ topic: RAW_TOPIC, numPartitions: 3, replicationFactor: 1 }]);
  await admin.disconnect();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-${uuidv7()}`, maxWaitTimeInMs: 50, minBytes: 1 });
  await Promise.all([producer.connect(), consumer.connect()]);
  const waiting = new Map<string, (at: bigint) => void>();
  const arrived = new Map<string, bigint>();
  const key = (topic: string, subject: string) => `${topic}/${subject}`;
  await consumer.subscribe({ topics: [RAW_TOPIC, ...topics], fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachMessage: async ({ topic, message }) => {
      const at = process.hrtime.bigint();
      const id = key(topic, message.headers?.ce_subject?.toString() ?? message.key?.toString() ?? '');
      const resolve = waiting.get(id);
      if (resolve) resolve(at);
      else arrived.set(id, at);
    },
  });
  await joined;

  /** When an event about `subject` arrived on `topic` (hrtime), now or once it does. */
  const arrival = (topic: string, subject: string) =>
    new Promise<bigint>((resolve) => {
      const id = key(topic, subject);
      const at = arrived.get(id);
      if (at !== undefined) {
        arrived.delete(id);
        resolve(at);
      } else waiting.set(id, resolve);
    });

  /** One plain kafkajs produce (acks all) → consume, in milliseconds. */
  const rawRoundTrip = async (): Promise<number> => {
    const subject = uuidv7();
    const landed = arrival(RAW_TOPIC, subject);
    const t0 = process.hrtime.bigint();
    await producer.send({ topic: RAW_TOPIC, acks: -1, messages: [{ key: subject, value: '{}', headers: { ce_subject: subject } }] });
    return Number((await landed) - t0) / 1e6;
  };

  return { arrival, rawRoundTrip, close: () => Promise.all([producer.disconnect(), consumer.disconnect()]).then(() => undefined) };
};
