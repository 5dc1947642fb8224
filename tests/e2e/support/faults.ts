import fs from 'node:fs';
import path from 'node:path';
import { ensureServices } from '../../../infra/launcher';
import { loadConfig } from '../../../infra/launcher/config';
import { stopProcess } from '../../../infra/launcher/process';

/** The pid file of the broker the launcher started here; absent when Kafka is someone else's (KAFKA_BROKERS pointing away, containers). */
export const launchedBrokerPidFile = (): string | undefined => {
  const file = path.join(loadConfig().runDir, 'kafka.pid');
  return fs.existsSync(file) ? file : undefined;
};

/** Stops the local broker (SIGTERM, as an operator's restart would) and brings it back on the same data. */
export const restartBroker = async (downMs = 2_000): Promise<void> => {
  const pidFile = launchedBrokerPidFile();
  if (!pidFile) throw new Error('no broker started by the launcher here to restart');
  await stopProcess(pidFile);
  await new Promise((resolve) => setTimeout(resolve, downMs));
  // With KAFKA_BROKERS set the launcher only waits for "someone else's" broker; this one is ours to start.
  const brokers = process.env.KAFKA_BROKERS;
  delete process.env.KAFKA_BROKERS;
  try {
    await ensureServices({ only: ['kafka'], quiet: true });
  } finally {
    if (brokers !== undefined) process.env.KAFKA_BROKERS = brokers;
  }
};
