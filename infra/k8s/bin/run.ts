import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { closeConnections } from '../../../layers/connections';
import { createLogger } from '../../../layers/logger';
import { collectProcessMetrics, registry } from '../../../layers/metrics';
import { loadStack, type Stack } from '../../../triggers/stack';

/**
 * What the platform processes of infra/k8s share: the trigger connector, the outbox runner and
 * the cron scheduler each run alone in a pod, read stack.yml, call functions through the
 * OpenFaaS gateway, expose their series (consumer lag, dead letters, outbox backlog) on
 * /metrics and stop cleanly on SIGTERM.
 *
 * Environment: GATEWAY_URL (http://gateway.openfaas:8080), METRICS_PORT (8081), STACK_PATH
 * (the image's stack.yml), CONNECTOR_SECRET (signs deliveries), LOG_LEVEL, and what the
 * connections read (KAFKA_BROKERS, MONGO_URL, REDIS_URL).
 */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

export interface Settings {
  gatewayUrl: string;
  metricsPort: number;
  stackPath: string;
  secret?: string;
  logLevel: string;
}

export const settingsFrom = (env: NodeJS.ProcessEnv): Settings => {
  const metricsPort = Number(env.METRICS_PORT || 8081);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) throw new Error(`METRICS_PORT must be a port, not ${env.METRICS_PORT}`);
  return {
    gatewayUrl: (env.GATEWAY_URL || 'http://gateway.openfaas:8080').replace(/\/+$/, ''),
    metricsPort,
    stackPath: env.STACK_PATH || path.join(REPO_ROOT, 'stack.yml'),
    ...(env.CONNECTOR_SECRET ? { secret: env.CONNECTOR_SECRET } : {}),
    logLevel: env.LOG_LEVEL || 'info',
  };
};

/** GET /metrics (the process registry) and GET /healthz, for Prometheus and the kubelet. */
export const serveMetrics = async (port: number, host = '0.0.0.0'): Promise<{ port: number; close(): Promise<void> }> => {
  collectProcessMetrics();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

export interface Started {
  stop(): void | Promise<void>;
}

export interface RunContext {
  settings: Settings;
  stack: Stack;
  log: Logger;
}

/** Starts one platform process and stops it, then its connections and metrics, on SIGTERM or SIGINT. */
export const runProcess = async (
  name: string,
  start: (context: RunContext) => Promise<Started>,
  signals: NodeJS.EventEmitter = process,
): Promise<{ stopped: Promise<void> }> => {
  const settings = settingsFrom(process.env);
  const log = createLogger({ service: 'platform', functionName: name, level: settings.logLevel });
  const metrics = await serveMetrics(settings.metricsPort);
  const started = await start({ settings, stack: loadStack(settings.stackPath), log });
  log.info({ metricsPort: metrics.port }, `${name} started`);
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => async () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, `${name} stopping`);
      await Promise.allSettled([Promise.resolve().then(() => started.stop())]);
      await closeConnections();
      await metrics.close();
      resolve();
    };
    signals.once('SIGTERM', stop('SIGTERM'));
    signals.once('SIGINT', stop('SIGINT'));
  });
  return { stopped };
};

/** The `require.main` tail of each entry point. */
export const main = (name: string, start: (context: RunContext) => Promise<Started>): void => {
  runProcess(name, start)
    .then(({ stopped }) => stopped)
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    });
};
