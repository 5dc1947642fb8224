import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { mongo } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureServices, type ServiceUrls } from '../../../infra/launcher/index';

/** The launcher brings up (or reuses) the real services and each required one answers. */
describe('backing services launcher', () => {
  let urls: ServiceUrls;

  beforeAll(async () => {
    urls = await ensureServices({ quiet: true });
  }, 600_000);

  it('resolves every required URL', () => {
    expect(urls.kafkaBrokers).toBeTruthy();
    expect(urls.mongoUrl).toMatch(/^mongodb(\+srv)?:\/\//);
    expect(urls.redisUrl).toMatch(/^rediss?:\/\//);
  });

  it('kafka describes its cluster', async () => {
    const admin = new Kafka({ clientId: 'launcher-test', brokers: urls.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.length).toBeGreaterThan(0);
      expect(cluster.controller).not.toBeNull();
    } finally {
      await admin.disconnect();
    }
  });

  it('the Mongo-wire server answers ping and round-trips a document', async () => {
    const client = await mongo.MongoClient.connect(urls.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
    const db = client.db(`launcher_test_${Date.now()}`);
    try {
      expect(await db.command({ ping: 1 })).toMatchObject({ ok: 1 });
      const id = randomUUID();
      await db.collection('things').insertOne({ _id: id as never, tenantId: 't1', n: 42 });
      expect(await db.collection('things').findOne({ _id: id as never })).toEqual({ _id: id, tenantId: 't1', n: 42 });
    } finally {
      await db.dropDatabase();
      await client.close();
    }
  });

  it('redis sets and gets', async () => {
    const redis = new Redis(urls.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const key = `launcher-test:${randomUUID()}`;
      await redis.set(key, 'v', 'PX', 10_000);
      expect(await redis.get(key)).toBe('v');
      await redis.del(key);
    } finally {
      redis.disconnect();
    }
  });

  it('optional services answer when the launcher reports them', async () => {
    if (urls.stripeApiBase) {
      const res = await fetch(`${urls.stripeApiBase}/v1/customers`, { headers: { Authorization: 'Bearer sk_test_123' } });
      expect(res.status).toBe(200);
    }
    if (urls.prometheusUrl) {
      expect((await fetch(`${urls.prometheusUrl}/-/ready`)).status).toBe(200);
    }
  });

  it('a second ensure reuses what runs and resolves the same URLs', async () => {
    const t0 = Date.now();
    expect(await ensureServices({ quiet: true })).toEqual(urls);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
