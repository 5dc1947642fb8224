import { describe, expect, it } from 'vitest';
import { callbackHeaders } from '../../../openfaas/gateway/callback';
import { coldStartEnvironment, functionStatus, isHttpOperation, loadFunction, type LoadedFunction } from '../../../openfaas/gateway/functions';
import type { StackFunction } from '../../../triggers/stack';

const spec = (environment: Record<string, string> = {}): StackFunction =>
  ({
    name: 'orders-create',
    handler: './functions/orders/create.ts',
    image: 'ghcr.io/x/orders-create:1',
    labels: { 'com.openfaas.scale.min': '1' },
    annotations: { topic: 'a.b.c' },
    environment,
  }) as StackFunction;

describe('coldStartEnvironment', () => {
  it('adds the function and service names and the stack environment, without watchdog variables', () => {
    expect(coldStartEnvironment(spec({ exec_timeout: '10s', write_timeout: '10s', FEATURE_X: 'on' }), {})).toEqual({
      FEATURE_X: 'on',
      FUNCTION_NAME: 'orders-create',
      SERVICE_NAME: 'orders',
    });
  });

  it('lets the gateway environment win', () => {
    expect(coldStartEnvironment(spec({ MONGO_URL: 'mongodb://stack' }), { MONGO_URL: 'mongodb://local', SERVICE_NAME: 'x' })).toEqual({
      FUNCTION_NAME: 'orders-create',
    });
  });
});

describe('loadFunction', () => {
  it('records why a bundle could not be loaded, and uses exec_timeout as the timeout', () => {
    const loaded = loadFunction(spec({ exec_timeout: '1m' }), '/nonexistent-dist');
    expect(loaded.handler).toBeUndefined();
    expect(loaded.loadError).toMatch(/Cannot find module/);
    expect(loaded.timeoutMs).toBe(60_000);
    expect(process.env.FUNCTION_NAME).toBeUndefined();
  });
});

describe('isHttpOperation', () => {
  it('tells an HTTP operation from a consumer description', () => {
    expect(isHttpOperation({ method: 'GET', response: { status: 200 } })).toBe(true);
    expect(isHttpOperation({ events: {} })).toBe(false);
    expect(isHttpOperation(undefined)).toBe(false);
  });
});

describe('functionStatus', () => {
  it('is shaped like OpenFaaS FunctionStatus', () => {
    const fn: LoadedFunction = { spec: spec(), handler: async () => 'x', timeoutMs: 1, invocationCount: 3 };
    expect(functionStatus(fn)).toEqual({
      name: 'orders-create',
      image: 'ghcr.io/x/orders-create:1',
      namespace: 'openfaas-fn',
      envProcess: 'node index.js',
      invocationCount: 3,
      replicas: 1,
      availableReplicas: 1,
      labels: { 'com.openfaas.scale.min': '1' },
      annotations: { topic: 'a.b.c' },
    });
    expect(functionStatus({ ...fn, handler: undefined, loadError: 'boom' })).toMatchObject({ replicas: 0, availableReplicas: 0, error: 'boom' });
  });
});

describe('callbackHeaders', () => {
  it('carries the call id, the function status and the reply content type', () => {
    const headers = callbackHeaders({
      url: new URL('http://127.0.0.1/cb'),
      callId: 'c-1',
      functionName: 'orders-create',
      reply: { status: 201, headers: { 'content-type': 'application/json' }, body: '{}' },
      seconds: 0.25,
    });
    expect(headers).toEqual({
      'content-type': 'application/json',
      'x-call-id': 'c-1',
      'x-function-status': '201',
      'x-function-name': 'orders-create',
      'x-duration-seconds': '0.250000',
    });
  });
});
