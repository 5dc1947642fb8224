import { InvokeTimeoutError, type InvokeResponse } from './invoke';

/**
 * Retries of one delivery: exponential backoff from `initialMs`, capped at `maxMs`, for at
 * most `attempts` attempts in all. Server errors, timeouts, network errors and the client
 * statuses that mean "not now" (408, 409, 423, 425, 429) are retried; any other 4xx is the
 * event's fault, retrying cannot help, and it is dead-lettered at once.
 *
 * Two failures are not the event's and spend no attempt, for up to `patienceMs` of waiting: a
 * function that cannot be reached (no connection, or the gateway's 502 for a pod that is gone or
 * died mid-request), and a retryable answer with Retry-After (the function asks to be called
 * later: the event is in progress under a lease a killed pod left behind, a lock is held, a
 * dependency is down). The delivery keeps trying every `maxMs` at most, heart-beating between,
 * so a restarting pod delays its events instead of dead-lettering them; after that, attempts count.
 */
export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  maxMs: number;
  patienceMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialMs: 100, maxMs: 2_000, patienceMs: 120_000 };

/** The wait after failed attempt `attempt` (1-based). */
export const backoffDelay = (attempt: number, policy: RetryPolicy): number => Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));

/** Every wait of a delivery that fails each attempt. */
export const backoffSchedule = (policy: RetryPolicy): number[] =>
  Array.from({ length: Math.max(0, policy.attempts - 1) }, (_, index) => backoffDelay(index + 1, policy));

const RETRYABLE_CLIENT_STATUSES = new Set([408, 409, 423, 425, 429]);

export type Verdict = 'delivered' | 'retry' | 'reject';

export const verdictOf = (status: number): Verdict => {
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || RETRYABLE_CLIENT_STATUSES.has(status)) return 'retry';
  return 'reject';
};

export type DeliveryOutcome = { delivered: true; attempts: number; status: number } | { delivered: false; attempts: number; status?: number; error: string };

const problemOf = (body: unknown): { code?: unknown; detail?: unknown } => {
  if (typeof body === 'string') {
    try {
      return problemOf(JSON.parse(body));
    } catch {
      return { detail: body };
    }
  }
  return typeof body === 'object' && body !== null ? body : {};
};

/** A one-line reason from a response: the problem's code and detail when it has them. */
export const describeFailure = (response: InvokeResponse): string => {
  const body = problemOf(response.body);
  const parts = [String(response.status), body.code, body.detail].filter((part) => typeof part === 'string' && part !== '');
  return parts.join(' ').slice(0, 1_000);
};

export interface RetryHooks {
  sleep: (ms: number) => Promise<void>;
  /** Runs before each wait, e.g. a consumer heartbeat so a slow retry does not lose the group. */
  beforeWait?: () => Promise<void>;
}

/** The gateway's answer for a pod that did not answer (openfaas/gateway/upstream.ts). */
const UNREACHABLE_STATUS = 502;

export const deliverWithRetry = async (send: () => Promise<InvokeResponse>, policy: RetryPolicy, hooks: RetryHooks): Promise<DeliveryOutcome> => {
  let failure: { status?: number; error: string } = { error: 'not attempted' };
  let deferrals = 0;
  let deferredMs = 0;
  for (let attempt = 1; attempt <= policy.attempts; attempt += 1) {
    let notTheEvents: boolean;
    try {
      const response = await send();
      const verdict = verdictOf(response.status);
      if (verdict === 'delivered') return { delivered: true, attempts: attempt, status: response.status };
      failure = { status: response.status, error: describeFailure(response) };
      if (verdict === 'reject') return { delivered: false, attempts: attempt, ...failure };
      notTheEvents = response.status === UNREACHABLE_STATUS || response.retryAfter !== undefined;
    } catch (error) {
      failure = { error: (error as Error).message || String(error) };
      notTheEvents = !(error instanceof InvokeTimeoutError);
    }
    const deferred = notTheEvents && deferredMs < policy.patienceMs;
    if (!deferred && attempt === policy.attempts) break;
    let wait = backoffDelay(attempt, policy);
    if (deferred) {
      deferrals += 1;
      wait = backoffDelay(deferrals, policy);
      deferredMs += wait;
      attempt -= 1; // this try spends no attempt
    }
    await hooks.beforeWait?.();
    await hooks.sleep(wait);
  }
  return { delivered: false, attempts: policy.attempts, ...failure };
};
