/** The trigger connector in a process of its own, invoking the functions through the test's gateway, so a test can kill it with SIGKILL. */
import path from 'node:path';
import { kafka } from '../../../layers/connections';
import { createLogger } from '../../../layers/logger';
import { httpInvoke } from '../../../openfaas/gateway/invoke-http';
import { startConnector } from '../../../triggers/connector';
import { loadStack } from '../../../triggers/stack';

const main = async () => {
  const stack = loadStack(path.resolve(__dirname, '../../../stack.yml'));
  const log = createLogger({ service: 'platform', functionName: 'connector', level: 'warn' });
  const connector = await startConnector({
    stack,
    invoke: httpInvoke(process.env.GATEWAY_URL!),
    kafka: await kafka(),
    log,
    secret: process.env.CONNECTOR_SECRET,
  });
  await connector.ready;
  process.send?.('ready');
};

void main();
