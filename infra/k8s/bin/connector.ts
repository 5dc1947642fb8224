import { kafka } from '../../../layers/connections';
import { httpInvoke } from '../../../openfaas/gateway/invoke-http';
import { startConnector } from '../../../triggers/connector';
import { main, type RunContext, type Started } from './run';

/**
 * The Kafka trigger connector as its own Deployment (infra/k8s/trigger-connector.yml): every
 * function of stack.yml with a `topic` annotation gets its consumer group; events are POSTed to
 * the function through the OpenFaaS gateway. Replicas share each group's partitions.
 *
 *   node --import tsx infra/k8s/bin/connector.ts
 */
export const startTriggerConnector = async ({ settings, stack, log }: RunContext): Promise<Started> =>
  startConnector({ stack, invoke: httpInvoke(settings.gatewayUrl), kafka: await kafka(), log, ...(settings.secret ? { secret: settings.secret } : {}) });

if (require.main === module) main('trigger-connector', startTriggerConnector);
