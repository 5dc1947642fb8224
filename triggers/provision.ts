import type { Admin, ITopicConfig } from 'kafkajs';
import { topics, type TopicSpec } from './catalogue';

/**
 * Creates every catalogue topic and its dead-letter topic, explicitly: brokers run with
 * auto-creation off. Idempotent: topics that exist are left as they are.
 *
 *   npx tsx triggers/provision.ts
 */
export const topicConfigs = (specs: readonly TopicSpec[]): ITopicConfig[] =>
  specs.flatMap((spec) => [
    {
      topic: spec.name,
      numPartitions: spec.partitions,
      replicationFactor: spec.replication,
      configEntries: [{ name: 'retention.ms', value: String(spec.retentionMs) }],
    },
    {
      topic: spec.dlq,
      numPartitions: spec.partitions,
      replicationFactor: spec.replication,
      configEntries: [{ name: 'retention.ms', value: String(spec.dlqRetentionMs) }],
    },
  ]);

export interface ProvisionResult {
  created: string[];
  existing: string[];
}

export const provisionTopics = async (admin: Pick<Admin, 'listTopics' | 'createTopics'>, configs: readonly ITopicConfig[]): Promise<ProvisionResult> => {
  const present = new Set(await admin.listTopics());
  const missing = configs.filter((config) => !present.has(config.topic));
  // Topics a concurrent run creates in between are reported as existing by the broker and skipped.
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return {
    created: missing.map((config) => config.topic),
    existing: configs.filter((config) => present.has(config.topic)).map((config) => config.topic),
  };
};

const main = async (): Promise<void> => {
  const { kafka } = await import('../layers/connections');
  const admin = (await kafka()).admin();
  await admin.connect();
  try {
    const result = await provisionTopics(admin, topicConfigs(topics()));
    console.log(`topics created: ${result.created.join(', ') || 'none'}; already present: ${result.existing.length}`);
  } finally {
    await admin.disconnect();
  }
};

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
