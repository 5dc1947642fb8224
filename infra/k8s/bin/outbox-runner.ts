import { startOutboxRunner } from '../../../triggers/outbox-runner';
import { main, type RunContext, type Started } from './run';

/**
 * The outbox relay loop as its own Deployment (infra/k8s/outbox-runner.yml): publishes the
 * outbox entries aggregates carry, woken by the writers' nudges and by a sweep (OUTBOX_SWEEP_MS).
 * A Redis lease lets one replica drain at a time; the others stand by.
 *
 *   node --import tsx infra/k8s/bin/outbox-runner.ts
 */
export const startOutbox = async ({ log }: RunContext): Promise<Started> => startOutboxRunner({ log });

if (require.main === module) main('outbox-runner', startOutbox);
