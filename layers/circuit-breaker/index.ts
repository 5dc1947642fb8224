import CircuitBreaker from 'opossum';
import { Gauge } from 'prom-client';
import { ServiceUnavailableError, isAppError } from '../errors';
import { registry } from '../metrics';

/**
 * Circuit breaking for outbound calls, by opossum. Breakers live in a module-level registry
 * keyed by name, so every warm invocation of a function instance, and every call site that
 * names the same dependency, shares one breaker's state. The first registration of a name
 * fixes its options.
 */
export interface CircuitBreakerOptions {
  /** Milliseconds before a call counts as failed; false for none. */
  timeout: number | false;
  /** Failure percentage, over the rolling window, that opens the circuit. */
  errorThresholdPercentage: number;
  /** Milliseconds the circuit stays open before letting one trial call through (half-open). */
  resetTimeout: number;
  /** Calls needed in the window before the circuit may open at all. */
  volumeThreshold: number;
  /** Length of the rolling statistics window, in milliseconds. */
  rollingCountTimeout: number;
  /**
   * Errors that say nothing about the dependency's health, counted as successes. By default,
   * typed client errors (a 404 or 422 the dependency answered) do not trip the circuit.
   */
  errorFilter: (error: unknown) => boolean;
}

const defaults: CircuitBreakerOptions = {
  timeout: 3000,
  errorThresholdPercentage: 50,
  resetTimeout: 10_000,
  volumeThreshold: 5,
  rollingCountTimeout: 10_000,
  errorFilter: (error) => isAppError(error) && error.isClientError,
};

export type CircuitState = 'closed' | 'half_open' | 'open';

/** Values of `marketplace_circuit_state`. */
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

const GAUGE_NAME = 'marketplace_circuit_state';
const stateGauge =
  (registry.getSingleMetric(GAUGE_NAME) as Gauge<'name'> | undefined) ??
  new Gauge({
    name: GAUGE_NAME,
    help: 'Circuit breaker state per outbound dependency: 0 closed, 1 half-open, 2 open.',
    labelNames: ['name'],
    registers: [registry],
  });

type Call = () => Promise<unknown>;
type Breaker = CircuitBreaker<[Call], unknown> & { retryAfterSeconds: number };

const breakers = new Map<string, Breaker>();

const breakerFor = (name: string, opts: Partial<CircuitBreakerOptions>): Breaker => {
  const existing = breakers.get(name);
  if (existing) return existing;
  const options = { ...defaults, ...opts };
  // The action only runs the call it is given: call sites may close over fresh dependencies
  // on every invocation while sharing the breaker's state.
  const breaker: Breaker = Object.assign(new CircuitBreaker((call: Call) => call(), { ...options, name }), {
    retryAfterSeconds: Math.max(1, Math.ceil(options.resetTimeout / 1000)),
  });
  const track = (state: CircuitState) => () => stateGauge.set({ name }, CIRCUIT_STATE_VALUE[state]);
  breaker.on('open', track('open'));
  breaker.on('halfOpen', track('half_open'));
  breaker.on('close', track('closed'));
  track('closed')();
  breakers.set(name, breaker);
  return breaker;
};

const translate = (name: string, breaker: Breaker, error: unknown): unknown => {
  if (!(error instanceof Error) || !CircuitBreaker.isOurError(error)) return error;
  const code = (error as Error & { code?: string }).code;
  if (code === 'EOPENBREAKER') {
    return new ServiceUnavailableError(`The ${name} dependency is unavailable; retry later.`, 'circuit_open', breaker.retryAfterSeconds);
  }
  if (code === 'ETIMEDOUT') return new ServiceUnavailableError(`The ${name} dependency did not answer in time.`, 'dependency_timeout');
  // A breaker shut down by resetCircuitBreakers while a wrapper was still held.
  return new ServiceUnavailableError(`The ${name} dependency is unavailable; retry later.`);
};

/**
 * Wraps `fn` in the breaker named `name`. The wrapper has `fn`'s signature; when the circuit is
 * open it fails fast with 503 `circuit_open`, a call that times out fails with 503
 * `dependency_timeout`, and every other error of `fn` passes through unchanged.
 */
export const circuitBreaker = <TArgs extends unknown[], TResult>(
  name: string,
  fn: (...args: TArgs) => Promise<TResult>,
  opts: Partial<CircuitBreakerOptions> = {},
): ((...args: TArgs) => Promise<TResult>) => {
  const breaker = breakerFor(name, opts);
  return async (...args: TArgs): Promise<TResult> => {
    try {
      return (await breaker.fire(() => fn(...args))) as TResult;
    } catch (error) {
      throw translate(name, breaker, error);
    }
  };
};

/** The state of a named breaker, or undefined when none is registered (for health output). */
export const circuitState = (name: string): CircuitState | undefined => {
  const breaker = breakers.get(name);
  if (!breaker) return undefined;
  return breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed';
};

/** For tests and shutdown: stops every breaker's timers and forgets them. */
export const resetCircuitBreakers = (): void => {
  for (const breaker of breakers.values()) breaker.shutdown();
  breakers.clear();
  stateGauge.reset();
};
