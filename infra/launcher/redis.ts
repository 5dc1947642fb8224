import fs from 'node:fs';
import path from 'node:path';
import { HOST } from './config';
import { ensureCommand } from './install';
import { withTimeout } from './process';
import type { ServiceDefinition } from './types';

/** Debian's redis-server, in the foreground of a detached process, without persistence. */

async function probe(url: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with "Connection is closed"; the cause comes through 'error'
  let cause: Error | undefined;
  client.on('error', (err: Error) => {
    cause = err;
  });
  try {
    await withTimeout(
      (async () => {
        await client.connect();
        const pong = await client.ping();
        if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
      })(),
      5_000,
      'redis ping',
    );
  } catch (err) {
    throw cause ?? err;
  } finally {
    client.disconnect();
  }
}

export const redis: ServiceDefinition = {
  name: 'redis',
  title: 'redis-server',
  envVar: 'REDIS_URL',
  key: 'redisUrl',
  required: true,
  startTimeoutMs: 20_000,
  localUrl: (config) => `redis://${HOST}:${config.ports.redis}`,
  probe,
  install: async (config) => {
    await ensureCommand(config, 'redis-server', 'redis-server');
  },
  prepare: async (config) => {
    const dir = path.join(config.dataDir, 'redis');
    fs.mkdirSync(dir, { recursive: true });
    return {
      file: await ensureCommand(config, 'redis-server', 'redis-server'),
      args: ['--port', String(config.ports.redis), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
    };
  },
};
