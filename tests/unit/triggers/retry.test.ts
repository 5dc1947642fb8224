import { describe, expect, it, vi } from 'vitest';
import { InvokeTimeoutError } from '../../../triggers/invoke';
import { backoffDelay, backoffSchedule, DEFAULT_RETRY, deliverWithRetry, describeFailure, verdictOf } from '../../../triggers/retry';

describe('backoff', () => {
  it('doubles from 100 ms and caps at 2 s: five attempts wait 100, 200, 400, 800', () => {
    expect(backoffSchedule(DEFAULT_RETRY)).toEqual([100, 200, 400, 800]);
    expect(backoffSchedule({ ...DEFAULT_RETRY, attempts: 8 })).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
    expect(backoffSchedule({ ...DEFAULT_RETRY, attempts: 1 })).toEqual([]);
    expect(backoffDelay(1, DEFAULT_RETRY)).toBe(100);
  });
});

describe('verdictOf', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [500, 'retry'],
    [503, 'retry'],
    [408, 'retry'],
    [409, 'retry'],
    [429, 'retry'],
    [400, 'reject'],
    [401, 'reject'],
    [404, 'reject'],
    [422, 'reject'],
    [302, 'reject'],
  ])('%i → %s', (status, verdict) => {
    expect(verdictOf(status)).toBe(verdict);
  });
});

describe('describeFailure', () => {
  it('uses the problem code and detail, parsed or not', () => {
    expect(describeFailure({ status: 500, body: { code: 'internal_error', detail: 'An unexpected error occurred.' } })).toBe(
      '500 internal_error An unexpected error occurred.',
    );
    expect(describeFailure({ status: 422, body: '{"code":"invalid_event_data","detail":"bad"}' })).toBe('422 invalid_event_data bad');
    expect(describeFailure({ status: 502, body: 'Bad Gateway' })).toBe('502 Bad Gateway');
    expect(describeFailure({ status: 503 })).toBe('503');
  });
});

describe('deliverWithRetry', () => {
  const policy = { attempts: 4, initialMs: 10, maxMs: 25, patienceMs: 0 };

  it('stops at the first success', async () => {
    const send = vi.fn().mockRejectedValueOnce(new Error('ECONNRESET')).mockResolvedValueOnce({ status: 503 }).mockResolvedValueOnce({ status: 200 });
    const sleep = vi.fn(async () => undefined);
    expect(await deliverWithRetry(send, policy, { sleep })).toEqual({ delivered: true, attempts: 3, status: 200 });
    expect(sleep.mock.calls).toEqual([[10], [20]]);
  });

  it('gives up after every attempt failed, with the last error, heart-beating before each wait', async () => {
    const send = vi.fn(async () => ({ status: 500, body: { code: 'internal_error' } }));
    const sleep = vi.fn(async () => undefined);
    const beforeWait = vi.fn(async () => undefined);
    expect(await deliverWithRetry(send, policy, { sleep, beforeWait })).toEqual({ delivered: false, attempts: 4, status: 500, error: '500 internal_error' });
    expect(send).toHaveBeenCalledTimes(4);
    expect(sleep.mock.calls).toEqual([[10], [20], [25]]);
    expect(beforeWait).toHaveBeenCalledTimes(3);
  });

  it('does not retry what retrying cannot fix', async () => {
    const send = vi.fn(async () => ({ status: 422, body: { code: 'invalid_event_data' } }));
    const sleep = vi.fn(async () => undefined);
    expect(await deliverWithRetry(send, policy, { sleep })).toEqual({ delivered: false, attempts: 1, status: 422, error: '422 invalid_event_data' });
    expect(sleep).not.toHaveBeenCalled();
  });

  it('waits out a function it cannot reach without spending attempts, then counts them', async () => {
    // Refused twice, then the gateway's 502 for a pod that is gone, then the pod is back.
    const send = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockResolvedValueOnce({ status: 502, body: { code: 'function_unreachable' } })
      .mockResolvedValueOnce({ status: 500 })
      .mockResolvedValueOnce({ status: 200 });
    const sleep = vi.fn(async () => undefined);
    expect(await deliverWithRetry(send, { ...policy, patienceMs: 1_000 }, { sleep })).toEqual({ delivered: true, attempts: 2, status: 200 });
    // unreachable waits back off on their own count (10, 20, 25), then the attempts' (10)
    expect(sleep.mock.calls).toEqual([[10], [20], [25], [10]]);
  });

  it('waits out an event left in progress by a killed pod (409 with Retry-After) without spending attempts', async () => {
    const inProgress = { status: 409, body: { code: 'event_in_progress' }, retryAfter: '30' };
    const send = vi
      .fn()
      .mockResolvedValueOnce(inProgress)
      .mockResolvedValueOnce(inProgress)
      .mockResolvedValueOnce(inProgress)
      .mockResolvedValueOnce({ status: 200 });
    const sleep = vi.fn(async () => undefined);
    expect(await deliverWithRetry(send, { ...policy, attempts: 2, patienceMs: 1_000 }, { sleep })).toEqual({ delivered: true, attempts: 1, status: 200 });
    expect(sleep.mock.calls).toEqual([[10], [20], [25]]);
  });

  it('spends attempts on a retryable answer without Retry-After', async () => {
    const send = vi.fn(async () => ({ status: 409, body: { code: 'version_conflict' } }));
    const outcome = await deliverWithRetry(send, { ...policy, attempts: 2, patienceMs: 60_000 }, { sleep: async () => undefined });
    expect(outcome).toMatchObject({ delivered: false, attempts: 2, status: 409 });
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('gives a pod up to patienceMs of waits, then dead-letters as for any failure', async () => {
    const send = vi.fn(async () => ({ status: 502, body: { code: 'function_unreachable' } }));
    const sleep = vi.fn(async () => undefined);
    const outcome = await deliverWithRetry(send, { ...policy, patienceMs: 50 }, { sleep });
    expect(outcome).toMatchObject({ delivered: false, attempts: 4, status: 502 });
    // waits of 10 + 20 + 25 pass 50 ms; then the four attempts with their three waits
    expect(sleep.mock.calls).toEqual([[10], [20], [25], [10], [20], [25]]);
  });

  it('counts a timeout as an attempt: the function got the event', async () => {
    const send = vi.fn(async () => Promise.reject(new InvokeTimeoutError('fn', 10)));
    const outcome = await deliverWithRetry(send, { ...policy, attempts: 2, patienceMs: 60_000 }, { sleep: async () => undefined });
    expect(outcome).toEqual({ delivered: false, attempts: 2, error: 'fn did not answer within 10 ms' });
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('reports a thrown error (timeout, network)', async () => {
    const send = vi.fn(async () => Promise.reject(new Error('fn did not answer within 10 ms')));
    expect(await deliverWithRetry(send, { ...policy, attempts: 2 }, { sleep: async () => undefined })).toEqual({
      delivered: false,
      attempts: 2,
      error: 'fn did not answer within 10 ms',
    });
  });
});
