/**
 * The system under test in a process of its own: the gateway serving every bundle, plus the
 * outbox runner publishing what the functions write. The benchmark drives it over HTTP.
 */
import { startGateway } from '../../../openfaas/gateway/server';
import { startOutboxRunner } from '../../../triggers/outbox-runner';
import { createLogger } from '../../../layers/logger';

const main = async (): Promise<void> => {
  const log = createLogger({ service: 'bench', functionName: 'system', level: 'warn' });
  const gateway = await startGateway({ port: Number(process.env.PORT ?? 0), logger: log });
  const outbox = await startOutboxRunner({ log });
  process.send?.({ port: gateway.port });
  process.on('SIGTERM', () => {
    void Promise.allSettled([outbox.stop(), gateway.close(100)]).then(() => process.exit(0));
  });
};

void main();
