import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpInvoke } from '../../../openfaas/gateway/invoke-http';
import { startGateway, type Gateway } from '../../../openfaas/gateway/server';
import { buildFixtures, type Fixtures } from './support';

/** The local gateway over a fixture stack: every route, through real HTTP. */
let fixtures: Fixtures;
let gateway: Gateway;
const MAX_BODY = 4096;

beforeAll(async () => {
  fixtures = await buildFixtures();
  gateway = await startGateway({
    port: 0,
    stackPath: fixtures.stackPath,
    distDir: fixtures.distDir,
    maxBodyBytes: MAX_BODY,
    devKeysPath: path.join(fixtures.dir, 'dev-keys.json'),
    logger: (await import('../../../layers/logger')).createLogger({ service: 'gateway', functionName: 'gateway', level: 'silent' }),
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close(1_000);
  fixtures?.cleanup();
});

const call = (route: string, init: RequestInit = {}) => fetch(`${gateway.url}${route}`, init);

const expectProblem = async (response: Response, status: number, code: string) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String) });
  return problem;
};

describe('/function/<name>', () => {
  it('invokes the function with the path after its name, the query and the raw body', async () => {
    const response = await call('/function/fixture-echo/abc?x=1&x=2', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-call-id': 'call-123' },
      body: JSON.stringify({ message: 'hi' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-call-id')).toBe('call-123');
    expect(response.headers.get('x-fixture')).toBe('echo');
    expect(Number(response.headers.get('x-duration-seconds'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ path: '/abc', method: 'POST', query: { x: ['1', '2'] }, message: 'hi', callId: 'call-123' });
  });

  it('gives each function its own module instance and its stack environment at cold start only', async () => {
    const first = (await (await call('/function/fixture-echo', { method: 'POST' })).json()) as Record<string, any>;
    const twin = (await (await call('/function/fixture-echo-twin', { method: 'POST' })).json()) as Record<string, any>;
    expect(twin.invocations).toBe(1);
    expect(first.invocations).toBeGreaterThan(1);
    expect(first.coldStart).toEqual({ greeting: 'hello from stack.yml', functionName: 'fixture-echo' });
    expect(twin.coldStart).toEqual({ functionName: 'fixture-echo-twin' });
    expect(process.env.FIXTURE_GREETING).toBeUndefined();
  });

  it('answers a thrown error with a problem that reveals nothing', async () => {
    const response = await call('/function/fixture-boom', { method: 'POST' });
    const problem = await expectProblem(response, 500, 'internal_error');
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });

  it('answers 404 for an unknown function or route, 503 for one that failed to load', async () => {
    await expectProblem(await call('/function/no-such-function'), 404, 'not_found');
    await expectProblem(await call('/nowhere'), 404, 'not_found');
    const unavailable = await expectProblem(await call('/function/fixture-broken'), 503, 'function_unavailable');
    expect(unavailable.detail).toContain('cold start failed');
  });

  it('answers 504 when a function outlives its exec_timeout', async () => {
    await expectProblem(await call('/function/fixture-slow'), 504, 'function_timeout');
  });

  it('refuses a body over the limit with a 413 problem', async () => {
    const response = await call('/function/fixture-echo', { method: 'POST', body: 'x'.repeat(MAX_BODY + 1) });
    await expectProblem(response, 413, 'payload_too_large');
  });
});

describe('httpInvoke (how the connector and cron call functions)', () => {
  it('POSTs to /function/<name> on the gateway and parses the JSON answer', async () => {
    const invoke = httpInvoke(gateway.url);
    const echoed = await invoke('fixture-echo', {
      method: 'POST',
      path: '/evt',
      headers: { 'x-topic': 'fixtures.thing.happened' },
      body: '{"message":"event"}',
    });
    expect(echoed).toMatchObject({ status: 200, body: { path: '/evt', message: 'event' } });
    expect(await invoke('fixture-consumer', { method: 'POST', path: '', headers: {}, body: '' })).toEqual({ status: 204, body: undefined });
    expect(await invoke('fixture-boom', { method: 'POST', path: '', headers: {}, body: '' })).toMatchObject({ status: 500, body: { code: 'internal_error' } });
  });
});

describe('/async-function/<name>', () => {
  interface Received {
    headers: IncomingHttpHeaders;
    body: string;
  }

  const receiver = async () => {
    let deliver: (received: Received) => void = () => undefined;
    const received = new Promise<Received>((resolve) => (deliver = resolve));
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.end();
        deliver({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  };

  it('accepts with 202 and X-Call-Id, then POSTs the result to X-Callback-Url', async () => {
    const callback = await receiver();
    try {
      const response = await call('/async-function/fixture-echo/job-1', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-callback-url': callback.url },
        body: JSON.stringify({ message: 'later' }),
      });
      expect(response.status).toBe(202);
      const callId = response.headers.get('x-call-id');
      expect(callId).toMatch(/^[0-9a-f-]{36}$/);
      const { headers, body } = await callback.received;
      expect(headers['x-call-id']).toBe(callId);
      expect(headers['x-function-status']).toBe('200');
      expect(headers['x-function-name']).toBe('fixture-echo');
      expect(headers['content-type']).toBe('application/json');
      expect(JSON.parse(body)).toMatchObject({ path: '/job-1', message: 'later', callId });
    } finally {
      await callback.close();
    }
  });

  it('reports a failing function to the callback as a problem with its status', async () => {
    const callback = await receiver();
    try {
      const response = await call('/async-function/fixture-boom', { method: 'POST', headers: { 'x-callback-url': callback.url, 'x-call-id': 'mine' } });
      expect(response.status).toBe(202);
      expect(response.headers.get('x-call-id')).toBe('mine');
      const { headers, body } = await callback.received;
      expect(headers).toMatchObject({ 'x-call-id': 'mine', 'x-function-status': '500', 'content-type': 'application/problem+json' });
      expect(JSON.parse(body)).toMatchObject({ code: 'internal_error' });
    } finally {
      await callback.close();
    }
  });

  it('refuses a callback URL that is not absolute http(s)', async () => {
    const response = await call('/async-function/fixture-echo', { method: 'POST', headers: { 'x-callback-url': 'file:///etc/passwd' } });
    await expectProblem(response, 400, 'invalid_callback_url');
  });
});

describe('system routes', () => {
  it('GET /healthz', async () => {
    const response = await call('/healthz');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('OK');
  });

  it('GET /system/functions lists every stack function with its invocation count', async () => {
    await call('/function/fixture-secure');
    const list = (await (await call('/system/functions')).json()) as Array<Record<string, any>>;
    expect(list.map((fn) => fn.name).sort()).toEqual([
      'fixture-boom',
      'fixture-broken',
      'fixture-consumer',
      'fixture-echo',
      'fixture-echo-twin',
      'fixture-secure',
      'fixture-slow',
    ]);
    const secure = list.find((fn) => fn.name === 'fixture-secure')!;
    expect(secure).toMatchObject({ image: 'fixtures/fixture-secure:test', replicas: 1, labels: { 'com.openfaas.scale.max': '2' } });
    expect(secure.invocationCount).toBeGreaterThanOrEqual(1);
    expect(list.find((fn) => fn.name === 'fixture-consumer')!.annotations).toEqual({ topic: 'fixtures.thing.happened' });
    expect(list.find((fn) => fn.name === 'fixture-broken')!).toMatchObject({ replicas: 0, error: expect.stringContaining('cold start failed') });
  });

  it('GET /metrics exposes gateway and process metrics in the Prometheus format', async () => {
    const response = await call('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/gateway_function_invocation_total\{function_name="fixture-echo",code="200"\} \d+/);
    expect(text).toMatch(/gateway_functions_seconds_bucket\{le="[^"]+",function_name="fixture-echo",code="200"\}/);
    expect(text).toMatch(/gateway_service_count\{function_name="fixture-broken"\} 0/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('GET /openapi.json documents the HTTP functions with the problem schema', async () => {
    const document = (await (await call('/openapi.json')).json()) as Record<string, any>;
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: gateway.url }]);
    expect(Object.keys(document.paths).sort()).toEqual(['/function/fixture-echo-twin/{id}', '/function/fixture-echo/{id}', '/function/fixture-secure']);
    const echo = document.paths['/function/fixture-echo/{id}'].post;
    expect(echo.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', required: ['message'] });
    expect(echo.responses['413'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    const secure = document.paths['/function/fixture-secure'].get;
    expect(secure.security).toEqual([{ bearerAuth: [] }]);
    expect(secure.parameters).toEqual([expect.objectContaining({ name: 'limit', in: 'query' })]);
    expect(document.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code']));
    for (const ref of JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(document.components.schemas[ref[1]!]).toBeDefined();
    }
  });

  it('GET /docs renders a self-contained page', async () => {
    const response = await call('/docs');
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('/function/fixture-echo/{id}');
    expect(html).not.toMatch(/<script|<link|(src|href)="(https?:)?\/\//i);
  });

  it('GET / leads to the docs', async () => {
    const root = await call('/', { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/docs');
  });

  it('GET /asyncapi.json serves the event catalogue with this stack as consumers', async () => {
    const document = (await (await call('/asyncapi.json')).json()) as Record<string, any>;
    expect(document.asyncapi).toMatch(/^3\./);
    expect(Object.keys(document.channels).length).toBeGreaterThan(0);
  });

  it('publishes the dev key as JWKS to the functions when none is configured', () => {
    expect(JSON.parse(process.env.JWKS ?? '{}').keys).toHaveLength(1);
  });
});
