/** The outbox relay in a process of its own, so a test can kill it with SIGKILL. */
import { startOutboxRunner } from '../../../triggers/outbox-runner';
import { createLogger } from '../../../layers/logger';

void startOutboxRunner({ log: createLogger({ service: 'platform', functionName: 'outbox-runner', level: 'warn' }) }).then(() => process.send?.('ready'));
