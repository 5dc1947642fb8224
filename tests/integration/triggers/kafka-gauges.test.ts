import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnections, kafka, producer } from '../../../layers/connections';
import { registry } from '../../../layers/metrics';
import { replayGroupOf } from '../../../triggers/dead-letter';
import { readKafkaGauges, startKafkaGauges } from '../../../triggers/kafka-gauges';
import { createTopics, deleteTopics, eventually, runSuffix } from '../events/kafka-support';

const topic = `itgauge${runSuffix()}.thing.happened`;
const dlq = `${topic}.dlq`;
const group = `connector.itgauge-${runSuffix()}`;
const idle = `connector.itgauge-idle-${runSuffix()}`;
const targets = {
  groups: [
    { groupId: group, topics: [topic] },
    { groupId: idle, topics: [topic] },
  ],
  deadLettered: [topic],
};

const produce = async (to: string, count: number, partition = 0) =>
  (await producer()).send({ topic: to, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition })) });

/** What a group's consumer commits after reading up to `offset` on partition 0 (the next offset to read). */
const commit = async (groupId: string, to: string, offset: number) => {
  const admin = (await kafka()).admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId, topic: to, partitions: [{ partition: 0, offset: String(offset) }] });
  } finally {
    await admin.disconnect();
  }
};

beforeAll(async () => {
  await createTopics(topic, dlq);
  await produce(topic, 5);
  await produce(topic, 2, 1);
  await produce(dlq, 4);
  await commit(group, topic, 3);
  await commit(replayGroupOf(topic), dlq, 1);
}, 60_000);

afterAll(async () => {
  await deleteTopics(topic, dlq);
  await closeConnections();
});

describe('Kafka gauges read from the broker', () => {
  it('lag is what lies past each group’s committed offsets; a group that never committed owes the whole topic', async () => {
    const admin = (await kafka()).admin();
    await admin.connect();
    try {
      const reading = await readKafkaGauges(admin, targets);
      expect(reading.lag).toEqual([
        { group, topic, messages: 2 + 2 },
        { group: idle, topic, messages: 7 },
      ]);
      // The DLQ's size: dead letters its replay group has not moved back yet.
      expect(reading.dlq).toEqual([{ topic, messages: 3 }]);
    } finally {
      await admin.disconnect();
    }
  });

  it('publishes both as gauges at /metrics, and follows what changes', async () => {
    const gauges = await startKafkaGauges({ kafka: await kafka(), targets, log: pino({ level: 'silent' }), intervalMs: 100 });
    const series = async () => {
      const lag = (await registry.getSingleMetric('marketplace_consumer_lag')!.get()).values;
      const dlqSize = (await registry.getSingleMetric('marketplace_dlq_size')!.get()).values;
      return {
        lag: lag.find((v) => v.labels.group === group && v.labels.topic === topic)?.value,
        dlq: dlqSize.find((v) => v.labels.topic === topic)?.value,
      };
    };
    try {
      await eventually(async () => (await series()).lag === 4, 10_000, 'the first reading');
      expect((await series()).dlq).toBe(3);
      await commit(group, topic, 5);
      await produce(dlq, 2);
      await eventually(
        async () => {
          const now = await series();
          return now.lag === 2 && now.dlq === 5;
        },
        10_000,
        'the gauges to follow the commit and the new dead letters',
      );
    } finally {
      await gauges.stop();
    }
  });
});
