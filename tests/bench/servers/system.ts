/**
 * The system under test in a process of its own: the gateway serving every bundle, plus the
 * outbox runner publishing what the functions write, and with WITH_CONNECTOR=1 the Kafka
 * trigger connector invoking the event functions through the gateway (the checkout saga).
 * The benchmark drives it over HTTP.
 */
import path from 'node:path';
import { kafka } from '../../../layers/connections';
import { createLogger } from '../../../layers/logger';
import { httpInvoke } from '../../../openfaas/gateway/invoke-http';
import { startGateway } from '../../../openfaas/gateway/server';
import { startConnector } from '../../../triggers/connector';
import { startOutboxRunner } from '../../../triggers/outbox-runner';
import { loadStack } from '../../../triggers/stack';

const main = async (): Promise<void> => {
  const log = createLogger({ service: 'bench', functionName: 'system', level: 'warn' });
  const gateway = await startGateway({ port: Number(process.env.PORT ?? 0), logger: log });
  const outbox = await startOutboxRunner({ log });
  const connector =
    process.env.WITH_CONNECTOR === '1'
      ? await startConnector({
          stack: loadStack(path.resolve(__dirname, '../../../stack.yml')),
          invoke: httpInvoke(gateway.url),
          kafka: await kafka(),
          log,
          secret: process.env.CONNECTOR_SECRET,
          // Its own groups, from the end of each topic: earlier runs' and tests' backlogs are not this run's work.
          groupPrefix: `bench-${process.pid}-${Date.now()}`,
          fromBeginning: false,
        })
      : undefined;
  await connector?.ready;
  process.send?.({ port: gateway.port });
  process.on('SIGTERM', () => {
    void Promise.allSettled([connector?.stop(), outbox.stop(), gateway.close(100)]).then(() => process.exit(0));
  });
};

void main();
