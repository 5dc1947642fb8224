import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { loadConfig } from '../config';

/**
 * Connections live at module scope so warm invocations reuse them; each is opened on first
 * use (a request that needs no store never pays for one) and only once, even when two
 * requests race for it. Drivers are required lazily to keep cold starts short.
 */
interface Lazy<T> {
  get: () => Promise<T>;
  /** The connection if one was opened or is opening; never opens one. */
  current: () => Promise<T> | undefined;
  reset: () => void;
}

const once = <T>(open: () => Promise<T>): Lazy<T> => {
  let pending: Promise<T> | undefined;
  return {
    get: () => {
      pending ??= open().catch((error) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
    current: () => pending,
    reset: () => {
      pending = undefined;
    },
  };
};

/** mongoose, loaded on first use: it alone weighs more than the rest of a cold start. */
export const mongooseLib = (): typeof import('mongoose') => require('mongoose') as typeof import('mongoose');

const mongoConnection = once<Connection>(async () => {
  const mongoose = mongooseLib();
  // Filters are built by our code from validated input (JSON bodies may not carry `$` or `.`
  // keys, and zod types every field), so mongoose's sanitizeFilter, which would also neuter
  // our own `$gt` cursors, stays off.
  mongoose.set('strictQuery', true);
  const { MONGO_URL } = loadConfig();
  const connection = mongoose.createConnection(MONGO_URL, {
    maxPoolSize: 10,
    serverSelectionTimeoutMS: 5_000,
    autoIndex: true,
  });
  return connection.asPromise();
});

const redisClient = once<Redis>(async () => {
  const { default: IORedis } = require('ioredis') as typeof import('ioredis');
  const { REDIS_URL } = loadConfig();
  const client = new IORedis(REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: true });
  await client.connect();
  return client;
});

const kafkaClient = once<Kafka>(async () => {
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const { KAFKA_BROKERS, KAFKA_CLIENT_ID } = loadConfig();
  return new Kafka({ clientId: KAFKA_CLIENT_ID, brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.WARN });
});

const kafkaProducer = once<Producer>(async () => {
  const kafka = await kafkaClient.get();
  // Idempotent producer: acks from all in-sync replicas, one in-flight request, broker-side dedupe.
  const { Partitioners } = require('kafkajs') as typeof import('kafkajs');
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
});

export const mongo = mongoConnection.get;

/**
 * Each service owns its database (no cross-service reads): `<base>_<service>`, where base is
 * the database named in MONGO_URL, so a test run can isolate itself by naming another base.
 */
export const serviceDb = async (service: string): Promise<Connection> => {
  const connection = await mongo();
  return connection.useDb(`${connection.name || 'marketplace'}_${service}`, { useCache: true });
};
export const redis = redisClient.get;
export const kafka = kafkaClient.get;
export const producer = kafkaProducer.get;

/** True when the Mongo-wire server is FerretDB, whose updates need the document lock (layers/locks). */
export const isFerretDb = async (): Promise<boolean> => {
  const connection = await mongo();
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
};

/** Closes whatever was opened; used by tests and graceful shutdown. */
export const closeConnections = async (): Promise<void> => {
  const closing: Promise<unknown>[] = [];
  const settle = <T>(conn: Lazy<T>, close: (value: T) => Promise<unknown>) => {
    const opened = conn.current();
    if (opened) closing.push(opened.then(close).catch(() => undefined));
    conn.reset();
  };
  settle(mongoConnection, (c) => c.close());
  settle(redisClient, (c) => c.quit());
  settle(kafkaProducer, (p) => p.disconnect());
  kafkaClient.reset();
  await Promise.all(closing);
};
