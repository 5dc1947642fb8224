import path from 'node:path';
import type { Logger } from 'pino';
import { ensureServices, SERVICES } from '../../infra/launcher';
import type { ServiceUrls } from '../../infra/launcher';
import { closeConnections, kafka } from '../../layers/connections';
import { createLogger } from '../../layers/logger';
import { topics } from '../../triggers/catalogue';
import { startConnector } from '../../triggers/connector';
import { startCron } from '../../triggers/cron';
import { startOutboxRunner } from '../../triggers/outbox-runner';
import { provisionTopics, topicConfigs } from '../../triggers/provision';
import { loadStack, stackFunctions, type Stack } from '../../triggers/stack';
import { buildAll, BuildError, isBuildStale } from '../build';
import { REPO_ROOT } from '../paths';
import { DEFAULT_DEV_KEYS_PATH, provideDevPaymentKeys } from './dev-keys';
import { startDevMailbox } from './dev-mailbox';
import { startDevPaystack } from './dev-paystack';
import { httpInvoke } from './invoke-http';
import { startGateway, type Gateway } from './server';

/**
 * `npm start`: everything a developer needs on one machine, in order:
 *   1. the backing services (Kafka, Mongo-wire, Redis, stripe-mock, Prometheus) from the
 *      launcher; their URLs become the environment unless already set;
 *   2. the bundles, rebuilt when missing or older than their sources;
 *   3. the Kafka topics from the catalogue (auto-creation is off);
 *   4. the gateway, then the trigger connector and the cron scheduler, which invoke functions
 *      over HTTP on the gateway, as OpenFaaS connectors do, and the outbox relay loop.
 * SIGINT/SIGTERM stop them in reverse order.
 */
const STACK_PATH = path.join(REPO_ROOT, 'stack.yml');

/** The launcher's URLs as the environment variables the functions read, unless already set. */
export const applyServiceUrls = (urls: ServiceUrls, env: NodeJS.ProcessEnv = process.env): string[] => {
  const applied: string[] = [];
  for (const service of SERVICES) {
    const url = urls[service.key];
    if (url && !env[service.envVar]) {
      env[service.envVar] = url;
      applied.push(service.envVar);
    }
  }
  return applied;
};

const buildIfStale = async (stack: Stack, log: Logger): Promise<void> => {
  if (!isBuildStale(stackFunctions(stack), { stackPath: STACK_PATH })) return;
  log.info('bundles missing or stale: building');
  try {
    await buildAll({ log: (line) => process.stdout.write(`${line}\n`) });
  } catch (error) {
    // Serve what was built: the functions that failed answer 503 until the next start.
    if (!(error instanceof BuildError)) throw error;
    log.error({ problems: error.problems }, 'some functions did not build');
  }
};

const provision = async (log: Logger): Promise<void> => {
  const admin = (await kafka()).admin();
  await admin.connect();
  try {
    const result = await provisionTopics(admin, topicConfigs(topics()));
    log.info({ created: result.created.length, existing: result.existing.length }, 'topics provisioned');
  } finally {
    await admin.disconnect();
  }
};

const banner = (gateway: Gateway, urls: ServiceUrls, counts: { subscriptions: number; schedules: number }): string => {
  const loaded = [...gateway.functions.values()];
  const failed = loaded.filter((fn) => !fn.handler).map((fn) => fn.spec.name);
  return [
    '',
    `  Marketplace on a local OpenFaaS gateway`,
    `  gateway        ${gateway.url}   (/function/<name>, /async-function/<name>, /system/functions)`,
    `  API docs       ${gateway.url}/docs`,
    `  OpenAPI        ${gateway.url}/openapi.json`,
    `  AsyncAPI       ${gateway.url}/asyncapi.json`,
    `  metrics        ${gateway.url}/metrics`,
    `  Prometheus     ${urls.prometheusUrl ?? 'not running'}`,
    `  functions      ${loaded.length - failed.length}/${loaded.length} loaded${failed.length ? ` (failed: ${failed.join(', ')})` : ''}; ${counts.subscriptions} subscribed to Kafka, ${counts.schedules} on a schedule`,
    `  dev token      npm run -s token -- --tenant t1 --role admin`,
    '',
  ].join('\n');
};

const main = async (): Promise<void> => {
  const log = createLogger({ service: 'gateway', functionName: 'gateway', level: process.env.LOG_LEVEL ?? 'info' });
  const urls = await ensureServices();
  const applied = applyServiceUrls(urls);
  log.info({ applied }, 'backing services ready');
  // Before the functions load: a local SMTP sink and SMS peer when none is configured.
  const mailbox = await startDevMailbox(log);
  // Payment secrets from the dev key file, and a local Paystack when PAYSTACK_API_BASE is unset.
  await provideDevPaymentKeys(DEFAULT_DEV_KEYS_PATH);
  const paystack = await startDevPaystack(log);

  const stack = loadStack(STACK_PATH);
  await buildIfStale(stack, log);
  await provision(log);

  const extraRoutes = { ...mailbox?.routes, ...paystack?.routes };
  const gateway = await startGateway({ stackPath: STACK_PATH, logger: log, ...(Object.keys(extraRoutes).length > 0 ? { extraRoutes } : {}) });
  paystack?.peer.setWebhookUrl(`${gateway.url}/function/payment-webhook-paystack`);
  const invoke = httpInvoke(gateway.url);
  const secret = process.env.CONNECTOR_SECRET;
  const connector = await startConnector({ stack, invoke, kafka: await kafka(), log, ...(secret ? { secret } : {}) });
  const cron = startCron({ stack, invoke, log, ...(secret ? { secret } : {}) });
  const outbox = await startOutboxRunner({ log });
  process.stdout.write(banner(gateway, urls, { subscriptions: connector.subscriptions.length, schedules: cron.jobs.length }));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    cron.stop();
    await Promise.allSettled([connector.stop(), outbox.stop()]);
    await gateway.close();
    await mailbox?.stop();
    await paystack?.stop();
    await closeConnections();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
};

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}
