import { describe, expect, it, vi } from 'vitest';
import { isValidSignature, SIGNATURE_HEADER } from '../../../layers/events/http-binding';
import { scheduledRequest, startCron } from '../../../triggers/cron';
import type { InvokeRequest } from '../../../triggers/invoke';
import { parseStack } from '../../../triggers/stack';
import { silentLog } from '../events/support';

const SECRET = 'connector-secret-0123456789';

const stackWith = (schedule: string) =>
  parseStack(`
version: 1.0
provider: { name: openfaas }
functions:
  jobs-tick: { handler: ./t.ts, annotations: { topic: cron-function, schedule: "${schedule}" } }
  jobs-on-x: { handler: ./x.ts, annotations: { topic: jobs.x.created } }
  jobs-get: { handler: ./g.ts }
`);

describe('scheduledRequest', () => {
  it('is an empty POST with a fresh ce-id, signed over it', () => {
    const one = scheduledRequest('* * * * *', SECRET);
    const two = scheduledRequest('* * * * *', SECRET);
    expect(one).toMatchObject({ method: 'POST', path: '', body: '', headers: { 'x-cron-schedule': '* * * * *' } });
    expect(one.headers['ce-id']).not.toBe(two.headers['ce-id']);
    expect(isValidSignature(SECRET, one.headers['ce-id']!, '', one.headers[SIGNATURE_HEADER])).toBe(true);
    expect(scheduledRequest('* * * * *').headers[SIGNATURE_HEADER]).toBeUndefined();
  });
});

describe('startCron', () => {
  it('schedules only cron functions', () => {
    const cron = startCron({ stack: stackWith('0 3 * * *'), invoke: async () => ({ status: 200 }), log: silentLog });
    expect(cron.jobs.map((job) => [job.function, job.schedule])).toEqual([['jobs-tick', '0 3 * * *']]);
    expect(cron.jobs[0]!.next()).toBeInstanceOf(Date);
    cron.stop();
  });

  it('invokes on schedule and never overlaps two runs of one function', async () => {
    let running = 0;
    let overlapped = false;
    const calls: InvokeRequest[] = [];
    const invoke = vi.fn(async (_fn: string, request: InvokeRequest) => {
      calls.push(request);
      running += 1;
      overlapped ||= running > 1;
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // slower than the schedule
      running -= 1;
      return { status: 200 };
    });
    const cron = startCron({ stack: stackWith('* * * * * *'), invoke, log: silentLog, secret: SECRET });
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    cron.stop();
    expect(invoke.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(invoke.mock.calls.length).toBeLessThanOrEqual(2);
    expect(overlapped).toBe(false);
    expect(invoke.mock.calls[0]![0]).toBe('jobs-tick');
    expect(isValidSignature(SECRET, calls[0]!.headers['ce-id']!, '', calls[0]!.headers[SIGNATURE_HEADER])).toBe(true);
  });

  it('runs on demand, skipping while a run is in progress', async () => {
    let release = (): void => undefined;
    const invoke = vi.fn(() => new Promise<{ status: number }>((resolve) => (release = () => resolve({ status: 200 }))));
    const cron = startCron({ stack: stackWith('0 3 * * *'), invoke, log: silentLog });
    const first = cron.trigger('jobs-tick');
    await cron.trigger('jobs-tick');
    release();
    await first;
    expect(invoke).toHaveBeenCalledTimes(1);
    await expect(cron.trigger('jobs-get')).rejects.toThrow('jobs-get has no schedule');
    cron.stop();
  });
});
