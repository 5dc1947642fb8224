import type { ITopicConfig } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { topics, DLQ_RETENTION_MS, EVENT_RETENTION_MS } from '../../../triggers/catalogue';
import { provisionTopics, topicConfigs } from '../../../triggers/provision';

describe('topicConfigs', () => {
  it('creates each topic and its .dlq with the catalogue settings', () => {
    const configs = topicConfigs(topics({ KAFKA_REPLICATION_FACTOR: '3' }));
    expect(configs).toHaveLength(topics({}).length * 2);
    expect(configs.slice(0, 2)).toEqual([
      {
        topic: 'auth.user.registered',
        numPartitions: 3,
        replicationFactor: 3,
        configEntries: [{ name: 'retention.ms', value: String(EVENT_RETENTION_MS) }],
      },
      {
        topic: 'auth.user.registered.dlq',
        numPartitions: 3,
        replicationFactor: 3,
        configEntries: [{ name: 'retention.ms', value: String(DLQ_RETENTION_MS) }],
      },
    ]);
  });
});

describe('provisionTopics', () => {
  const configs: ITopicConfig[] = [{ topic: 'a' }, { topic: 'a.dlq' }, { topic: 'b' }];

  it('creates only the missing topics', async () => {
    const admin = { listTopics: vi.fn(async () => ['a', '__consumer_offsets']), createTopics: vi.fn(async () => true) };
    expect(await provisionTopics(admin, configs)).toEqual({ created: ['a.dlq', 'b'], existing: ['a'] });
    expect(admin.createTopics).toHaveBeenCalledWith({ topics: [{ topic: 'a.dlq' }, { topic: 'b' }], waitForLeaders: true });
  });

  it('is a no-op when everything exists', async () => {
    const admin = { listTopics: vi.fn(async () => ['a', 'a.dlq', 'b']), createTopics: vi.fn(async () => true) };
    expect(await provisionTopics(admin, configs)).toEqual({ created: [], existing: ['a', 'a.dlq', 'b'] });
    expect(admin.createTopics).not.toHaveBeenCalled();
  });
});
