import { Cron } from 'croner';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { SIGNATURE_HEADER, sign } from '../layers/events/http-binding';
import { invokeWithin, type Invoke, type InvokeRequest } from './invoke';
import { schedules, type Stack } from './stack';

/**
 * The cron scheduler (the OpenFaaS cron-connector's convention): functions annotated
 * `topic: cron-function` are invoked on their `schedule` (5 or 6 fields) with an empty,
 * signed POST. A run still going when the next one is due makes that one skip, so two runs
 * of one function never overlap.
 */
export const SCHEDULE_HEADER = 'x-cron-schedule';

/** An empty POST carrying a fresh `ce-id` and, with a secret, the signature over it. */
export const scheduledRequest = (schedule: string, secret?: string): InvokeRequest => {
  const id = uuidv7();
  return {
    method: 'POST',
    path: '',
    headers: { 'ce-id': id, [SCHEDULE_HEADER]: schedule, ...(secret ? { [SIGNATURE_HEADER]: sign(secret, id, '') } : {}) },
    body: '',
  };
};

export interface CronOptions {
  stack: Stack;
  invoke: Invoke;
  log: Logger;
  secret?: string;
  timeoutMs?: number;
  timezone?: string;
}

export interface CronScheduler {
  jobs: { function: string; schedule: string; next: () => Date | null }[];
  /** Runs a function now, as its schedule would (skipped if a run is in progress). */
  trigger(functionName: string): Promise<void>;
  stop(): void;
}

export const startCron = (options: CronOptions): CronScheduler => {
  const invoke = invokeWithin(options.invoke, options.timeoutMs ?? 60_000);
  const entries = schedules(options.stack).map(({ function: functionName, schedule }) => {
    const run = async (): Promise<void> => {
      const response = await invoke(functionName, scheduledRequest(schedule, options.secret));
      if (response.status >= 300) options.log.warn({ function: functionName, status: response.status, body: response.body }, 'scheduled run failed');
    };
    const cron = new Cron(
      schedule,
      { protect: true, timezone: options.timezone, catch: (error) => options.log.error({ err: error, function: functionName }, 'scheduled run failed') },
      run,
    );
    return { functionName, schedule, cron };
  });
  options.log.info({ jobs: entries.map((e) => ({ function: e.functionName, schedule: e.schedule })) }, 'cron scheduler started');
  return {
    jobs: entries.map((e) => ({ function: e.functionName, schedule: e.schedule, next: () => e.cron.nextRun() })),
    trigger: async (functionName) => {
      const entry = entries.find((e) => e.functionName === functionName);
      if (!entry) throw new Error(`${functionName} has no schedule`);
      if (!entry.cron.isBusy()) await entry.cron.trigger();
    },
    stop: () => entries.forEach((e) => e.cron.stop()),
  };
};
