import { setTimeout as sleep } from 'node:timers/promises';
import middy from '@middy/core';
import type { Gauge } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { circuitBreaker, circuitState, resetCircuitBreakers } from '../../../../layers/circuit-breaker';
import { NotFoundError } from '../../../../layers/errors';
import { httpErrors } from '../../../../layers/http/http-errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../../../../layers/http/types';
import { registry } from '../../../../layers/metrics';
import { functionContext, httpEvent } from '../http/fixtures';

afterEach(() => resetCircuitBreakers());

const gaugeValue = async (name: string): Promise<number | undefined> => {
  const gauge = registry.getSingleMetric('marketplace_circuit_state') as Gauge;
  const { values } = await gauge.get();
  return values.find((value) => value.labels.name === name)?.value;
};

const fast = { resetTimeout: 100, volumeThreshold: 5, errorThresholdPercentage: 50 };

const failing = () =>
  vi.fn(async (_id: string): Promise<string> => {
    throw new Error('connection refused');
  });

/** Drives `calls` failing calls through the wrapper, ignoring their errors. */
const fail = async (call: (id: string) => Promise<string>, calls: number) => {
  for (let i = 0; i < calls; i += 1) await call(`id-${i}`).catch(() => undefined);
};

describe('circuitBreaker', () => {
  it('passes arguments, results and errors through while closed', async () => {
    const fn = vi.fn(async (a: number, b: number) => a + b);
    const add = circuitBreaker('adder', fn);
    expect(await add(2, 3)).toBe(5);
    expect(fn).toHaveBeenCalledWith(2, 3);
    const boom = circuitBreaker('boom', async () => {
      throw new Error('boom');
    });
    await expect(boom()).rejects.toThrow('boom');
    expect(circuitState('adder')).toBe('closed');
    expect(await gaugeValue('adder')).toBe(0);
  });

  it('opens after failures and then fails fast with 503 circuit_open without calling the dependency', async () => {
    const fn = failing();
    const call = circuitBreaker('payments', fn, fast);
    await fail(call, 5);
    expect(circuitState('payments')).toBe('open');
    expect(await gaugeValue('payments')).toBe(2);
    fn.mockClear();
    await expect(call('x')).rejects.toMatchObject({ status: 503, code: 'circuit_open', headers: { 'retry-after': '1' } });
    expect(fn).not.toHaveBeenCalled();
  });

  it('does not open below the volume threshold', async () => {
    const call = circuitBreaker('quiet', failing(), fast);
    await fail(call, 4);
    expect(circuitState('quiet')).toBe('closed');
  });

  it('goes half-open after the reset timeout and closes on a successful trial', async () => {
    let healthy = false;
    const fn = vi.fn(async (id: string) => {
      if (!healthy) throw new Error('down');
      return `ok ${id}`;
    });
    const call = circuitBreaker('stripe', fn, fast);
    await fail(call, 5);
    expect(circuitState('stripe')).toBe('open');
    await sleep(150);
    expect(circuitState('stripe')).toBe('half_open');
    expect(await gaugeValue('stripe')).toBe(1);
    healthy = true;
    expect(await call('a')).toBe('ok a');
    expect(circuitState('stripe')).toBe('closed');
    expect(await gaugeValue('stripe')).toBe(0);
  });

  it('opens again when the half-open trial fails', async () => {
    const call = circuitBreaker('flaky', failing(), fast);
    await fail(call, 5);
    await sleep(150);
    expect(circuitState('flaky')).toBe('half_open');
    await expect(call('a')).rejects.toThrow('connection refused');
    expect(circuitState('flaky')).toBe('open');
  });

  it('times out slow calls with 503 dependency_timeout', async () => {
    const call = circuitBreaker('slow', () => sleep(200).then(() => 'late'), { timeout: 20 });
    await expect(call()).rejects.toMatchObject({ status: 503, code: 'dependency_timeout' });
  });

  it('does not count typed client errors as failures', async () => {
    const call = circuitBreaker(
      'catalogue',
      async (): Promise<string> => {
        throw new NotFoundError('product', 'p1');
      },
      fast,
    );
    for (let i = 0; i < 10; i += 1) await expect(call()).rejects.toMatchObject({ status: 404 });
    expect(circuitState('catalogue')).toBe('closed');
  });

  it('shares one breaker per name across wrappers, whatever function they wrap', async () => {
    await fail(circuitBreaker('shared', failing(), fast), 5);
    const healthy = vi.fn(async () => 'fine');
    const second = circuitBreaker('shared', healthy, fast);
    await expect(second()).rejects.toMatchObject({ code: 'circuit_open' });
    expect(healthy).not.toHaveBeenCalled();
    expect(circuitState('nobody')).toBeUndefined();
  });

  it('refuses calls through a wrapper whose breaker was shut down', async () => {
    const call = circuitBreaker('gone', async () => 'x');
    resetCircuitBreakers();
    await expect(call()).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(circuitState('gone')).toBeUndefined();
  });

  it('becomes a 503 problem with Retry-After through the error middleware', async () => {
    const call = circuitBreaker('inventory', failing(), { ...fast, resetTimeout: 2500 });
    await fail(call, 5);
    const handler = middy<HttpEvent, HttpResponse, Error, FunctionContext>()
      .use(httpErrors())
      .handler(async () => ({ statusCode: 200, headers: {}, body: await call('x') }));
    expect(await handler(httpEvent(), functionContext())).toEqual({
      statusCode: 503,
      headers: { 'retry-after': '3', 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: {
        type: 'https://docs.marketplace.dev/problems/circuit_open',
        title: 'Service Unavailable',
        status: 503,
        detail: 'The inventory dependency is unavailable; retry later.',
        instance: 'urn:request:req-1',
        code: 'circuit_open',
      },
    });
  });
});
