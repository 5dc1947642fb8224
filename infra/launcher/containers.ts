import { run } from './install';
import type { LauncherConfig, ServiceName } from './types';

/**
 * Where a Docker engine answers, Kafka, MongoDB and Redis run as containers instead of native
 * processes. They bind the same loopback ports as the native services, so URLs do not change.
 * Reuse is on and the reaper is not involved (reused containers carry no session label): the
 * containers outlive the launcher, like the native processes, until `down` removes them by label.
 */

export const CONTAINER_IMAGES: Partial<Record<ServiceName, string>> = {
  kafka: 'apache/kafka:3.9.0',
  mongo: 'mongo:7',
  redis: 'redis:7',
};

const LABEL = 'marketplace.launcher';

export async function dockerAvailable(): Promise<boolean> {
  if (process.env.MARKETPLACE_LAUNCHER === 'native') return false;
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}']);
    return true;
  } catch {
    return false;
  }
}

/** Starts (or reuses) the container of one service and resolves when it is ready. */
export async function startContainer(name: ServiceName, config: LauncherConfig): Promise<void> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { ports } = config;
  const image = CONTAINER_IMAGES[name];
  if (!image) throw new Error(`${name} has no container; it runs natively`);
  const base = new GenericContainer(image).withLabels({ [LABEL]: name }).withReuse();
  switch (name) {
    case 'kafka':
      await base
        .withExposedPorts({ container: 9092, host: ports.kafka })
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${ports.kafka}`,
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_NUM_PARTITIONS: '3',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .withStartupTimeout(120_000)
        .start();
      return;
    case 'mongo':
      await base
        .withExposedPorts({ container: 27017, host: ports.mongo })
        .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
        .start();
      return;
    case 'redis':
      await base
        .withExposedPorts({ container: 6379, host: ports.redis })
        .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
        .start();
      return;
  }
}

/** Removes the launcher's containers; resolves to the names of the services they ran. */
export async function removeContainers(): Promise<string[]> {
  if (!(await dockerAvailable())) return [];
  const out = await run('docker', ['ps', '-a', '--filter', `label=${LABEL}`, '--format', `{{.ID}} {{.Label "${LABEL}"}}`]);
  const rows = out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  if (rows.length > 0) await run('docker', ['rm', '-f', ...rows.map(([id]) => id!)]);
  return rows.map(([, service]) => service ?? '?');
}
