import path from 'node:path';
import { HOST } from './config';
import { goBuild } from './install';
import { withTimeout } from './process';
import type { LauncherConfig, ServiceDefinition } from './types';

/**
 * FerretDB 1.24 (SQLite backend) as the Mongo-wire server, built from infra/ferretdb (a small main
 * around the embeddable package; see main.go for why not `go install .../cmd/ferretdb`).
 */

const SOURCES = ['go.mod', 'go.sum', 'main.go'];

const binary = (config: LauncherConfig) => path.join(config.binDir, 'ferretdb');

export async function mongoPing(url: string): Promise<void> {
  const { mongo } = await import('mongoose');
  const client = new mongo.MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await withTimeout(
      client.connect().then(() => client.db('admin').command({ ping: 1 })),
      6_000,
      'mongo ping',
    );
  } finally {
    await client.close().catch(() => undefined);
  }
}

export const ferretdb: ServiceDefinition = {
  name: 'mongo',
  title: 'ferretdb 1.24 sqlite',
  envVar: 'MONGO_URL',
  key: 'mongoUrl',
  required: true,
  startTimeoutMs: 30_000,
  localUrl: (config) => `mongodb://${HOST}:${config.ports.mongo}/`,
  probe: mongoPing,
  install: (config) => goBuild(config, path.join(config.infraDir, 'ferretdb'), SOURCES, binary(config)),
  prepare: async (config) => ({
    file: binary(config),
    args: [
      '-listen',
      `${HOST}:${config.ports.mongo}`,
      '-data',
      path.join(config.dataDir, 'ferretdb'),
      '-log-level',
      // at warn FerretDB still logs every failed command (drivers' endSessions among them)
      process.env.FERRETDB_LOG_LEVEL || 'warn',
    ],
  }),
};
