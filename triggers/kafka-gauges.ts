import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { metrics } from '../layers/metrics';
import { dlqOf } from './catalogue';
import { countOf, pendingRanges, replayGroupOf } from './dead-letter';

/**
 * Consumer lag and DLQ size read from the broker, not from what one consumer happened to see:
 * lag is the high watermark past each group's committed offsets, so a stalled or idle group
 * reports its real backlog; a DLQ's size is what its replay group has not moved back yet. Every
 * connector replica reads the same numbers, so dashboards and alerts take their max, not the sum.
 */
export interface KafkaGaugeTargets {
  /** The connector's consumer groups and the topics each reads. */
  groups: { groupId: string; topics: string[] }[];
  /** Original topics whose `<topic>.dlq` is measured. */
  deadLettered: string[];
}

export interface KafkaGaugeReading {
  lag: { group: string; topic: string; messages: number }[];
  dlq: { topic: string; messages: number }[];
}

type OffsetsAdmin = Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;

/** One reading of every target; each topic's watermarks are fetched once per reading. */
export const readKafkaGauges = async (admin: OffsetsAdmin, targets: KafkaGaugeTargets): Promise<KafkaGaugeReading> => {
  const watermarks = new Map<string, ReturnType<OffsetsAdmin['fetchTopicOffsets']>>();
  const watermarksOf = (topic: string) => {
    if (!watermarks.has(topic)) watermarks.set(topic, admin.fetchTopicOffsets(topic));
    return watermarks.get(topic)!;
  };
  const backlog = async (groupId: string, topic: string): Promise<number> => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return countOf(pendingRanges(await watermarksOf(topic), committed?.partitions ?? []));
  };
  const lag = await Promise.all(
    targets.groups.flatMap(({ groupId, topics }) => topics.map(async (topic) => ({ group: groupId, topic, messages: await backlog(groupId, topic) }))),
  );
  const dlq = await Promise.all(targets.deadLettered.map(async (topic) => ({ topic, messages: await backlog(replayGroupOf(topic), dlqOf(topic)) })));
  return { lag, dlq };
};

export const publishKafkaGauges = (reading: KafkaGaugeReading): void => {
  for (const { group, topic, messages } of reading.lag) metrics.consumerLag.set({ group, topic }, messages);
  for (const { topic, messages } of reading.dlq) metrics.dlqSize.set({ topic }, messages);
};

export interface KafkaGaugesOptions {
  kafka: Pick<Kafka, 'admin'>;
  targets: KafkaGaugeTargets;
  log: Logger;
  /** Between two readings (15 s, Prometheus's scrape interval). */
  intervalMs?: number;
}

/** Reads and publishes the gauges now and then every `intervalMs` until stopped; a failed reading is logged and the next one tries again. */
export const startKafkaGauges = async (options: KafkaGaugesOptions): Promise<{ stop(): Promise<void> }> => {
  const admin = options.kafka.admin();
  await admin.connect();
  let running: Promise<void> | undefined;
  const readOnce = () => {
    // A reading slower than the interval is not overtaken by the next one.
    running ??= readKafkaGauges(admin, options.targets)
      .then(publishKafkaGauges)
      .catch((error: unknown) => options.log.warn({ err: error }, 'kafka gauges not read'))
      .finally(() => (running = undefined));
  };
  readOnce();
  const timer = setInterval(readOnce, options.intervalMs ?? 15_000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      await admin.disconnect();
    },
  };
};
