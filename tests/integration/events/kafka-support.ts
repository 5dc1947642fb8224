import type { Consumer, KafkaMessage } from 'kafkajs';
import { kafka } from '../../../layers/connections';

/** A run-unique lowercase suffix, so a second run never meets the first one's topics or groups. */
export const runSuffix = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const createTopics = async (...topics: string[]): Promise<void> => {
  const admin = (await kafka()).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
};

export const deleteTopics = async (...topics: string[]): Promise<void> => {
  const admin = (await kafka()).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
};

/** Messages on `topic` since its start, as a test consumer with its own group sees them. */
export const collect = async (topic: string): Promise<{ messages: (KafkaMessage & { partition: number })[]; stop: () => Promise<void> }> => {
  const consumer: Consumer = (await kafka()).consumer({ groupId: `test.${topic}.${runSuffix()}`, maxWaitTimeInMs: 50, heartbeatInterval: 500 });
  const messages: (KafkaMessage & { partition: number })[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void messages.push({ ...message, partition }) });
  return { messages, stop: () => consumer.disconnect() };
};

/** Polls `check` until it holds or `ms` pass. */
export const eventually = async (check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
