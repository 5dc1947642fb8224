import { httpInvoke } from '../../../openfaas/gateway/invoke-http';
import { startCron } from '../../../triggers/cron';
import { main, type RunContext, type Started } from './run';

/**
 * The cron scheduler as its own Deployment (infra/k8s/cron-scheduler.yml): functions annotated
 * `topic: cron-function` are invoked through the OpenFaaS gateway on their `schedule`, signed
 * with CONNECTOR_SECRET. Exactly one replica: two would run every schedule twice.
 *
 *   node --import tsx infra/k8s/bin/cron.ts
 */
export const startCronScheduler = async ({ settings, stack, log }: RunContext): Promise<Started> =>
  startCron({ stack, invoke: httpInvoke(settings.gatewayUrl), log, ...(settings.secret ? { secret: settings.secret } : {}) });

if (require.main === module) main('cron-scheduler', startCronScheduler);
