import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, toJwks } from '../../../layers/auth/tokens';
import { REPO_ROOT } from '../../../openfaas/paths';
import { startGateway } from '../../../openfaas/gateway/server';
import { createLogger } from '../../../layers/logger';
import { fixtureProcesses, freePort, readyOrStopped, startProcess, TEMPLATE_INDEX, waitForHttp, type Started } from './support';

/** The template's index.js as of-watchdog runs it: a child process serving one bundle on http_port. */
interface Upstream {
  url: string;
  /** The pod's own /metrics, on its metrics_port. */
  metricsUrl: string;
  process: Started;
}

const startUpstream = async (handlerPath: string, env: Record<string, string> = {}): Promise<Upstream> => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const started = startProcess(process.execPath, [TEMPLATE_INDEX], {
    http_port: String(port),
    metrics_port: String(metricsPort),
    HANDLER_PATH: handlerPath,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  const { process: running } = await readyOrStopped(started, url, () => waitForHttp(`${url}/_/health`));
  return { url, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, process: running };
};

const suite = fixtureProcesses();

const upstream = async (handlerPath: string, env?: Record<string, string>) => suite.track(await startUpstream(handlerPath, env));

beforeAll(suite.setup, 60_000);
afterAll(suite.teardown);

describe('node20-middy template (index.js)', () => {
  it('serves the bundle: path, query, raw body and the reply the function set', async () => {
    const { url } = await upstream(suite.fixtures.handlerOf('fixture-echo'));
    const response = await fetch(`${url}/item-9?q=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-fixture')).toBe('echo');
    expect(await response.json()).toMatchObject({ path: '/item-9', query: { q: '1' }, message: 'hi', method: 'POST' });
  });

  it('answers a thrown error with a problem+json 500, never raw text', async () => {
    const { url } = await upstream(suite.fixtures.handlerOf('fixture-boom'));
    const response = await fetch(url, { method: 'POST' });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({
      type: 'https://docs.marketplace.dev/problems/internal_error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred.',
      code: 'internal_error',
    });
  });

  it('answers GET /_/health, refuses oversized bodies with a 413 problem, and stops on SIGTERM', async () => {
    const started = await startUpstream(suite.fixtures.handlerOf('hello'), { MAX_REQUEST_BYTES: '1024' });
    const health = await fetch(`${started.url}/_/health`);
    expect(health.status).toBe(200);
    expect(await (await fetch(started.url)).json()).toMatchObject({ message: 'Hello from OpenFaaS', method: 'GET', path: '/' });
    const tooLarge = await fetch(started.url, { method: 'POST', body: 'x'.repeat(2048) });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ code: 'payload_too_large', status: 413 });
    expect(await started.process.stop()).toBe(0);
  });

  it('exits at start when the function module cannot be loaded', async () => {
    const started = startProcess(process.execPath, [TEMPLATE_INDEX], {
      http_port: String(await freePort()),
      HANDLER_PATH: suite.fixtures.handlerOf('fixture-broken'),
    });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('cold start failed');
  });
});

describe('the gateway in front of a function pod (upstreams)', () => {
  it('forwards path, query, headers and body to the pod (even for a bundle the gateway could not load), and answers 502 function_unreachable once the pod is gone', async () => {
    const pod = await upstream(suite.fixtures.handlerOf('fixture-echo'));
    const gateway = await startGateway({
      port: 0,
      stackPath: suite.fixtures.stackPath,
      distDir: suite.fixtures.distDir,
      devKeysPath: false,
      upstreams: { 'fixture-echo': pod.url, 'fixture-broken': pod.url },
      logger: createLogger({ service: 'gateway', functionName: 'gateway', level: 'silent' }),
    });
    try {
      const response = await fetch(`${gateway.url}/function/fixture-echo/abc?x=1&x=2`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-call-id': 'call-77' },
        body: JSON.stringify({ message: 'via the pod' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-fixture')).toBe('echo');
      const echoed = (await response.json()) as Record<string, unknown>;
      expect(echoed).toMatchObject({ path: '/abc', query: { x: ['1', '2'] }, message: 'via the pod', method: 'POST', callId: 'call-77' });
      // The pod answered, not the gateway's own copy of the bundle, whose cold start saw stack.yml's environment.
      expect(echoed.coldStart).toEqual({});

      // A bundle the gateway itself could not load is no obstacle when a pod serves the function.
      expect((await fetch(`${gateway.url}/function/fixture-broken`, { method: 'POST' })).status).toBe(200);

      pod.process.child.kill('SIGKILL');
      await pod.process.exited;
      const gone = await fetch(`${gateway.url}/function/fixture-echo`, { method: 'POST' });
      expect(gone.status).toBe(502);
      expect(gone.headers.get('content-type')).toBe('application/problem+json');
      expect(await gone.json()).toMatchObject({ status: 502, code: 'function_unreachable' });
    } finally {
      await gateway.close(100);
    }
  });
});

/** A real function, when `npm run build` has produced it: unauthenticated calls get a 401 problem. */
const REAL_FUNCTION = path.join(REPO_ROOT, 'dist', 'functions', 'products-get', 'handler.js');
const realReason = existsSync(REAL_FUNCTION) ? '' : ` (skipped: ${path.relative(REPO_ROOT, REAL_FUNCTION)} not built; run npm run build)`;

describe('node20-middy template with a built function bundle', () => {
  it.skipIf(realReason !== '')(`serves products-get and answers without a token with a 401 problem${realReason}`, async () => {
    const key = await generateSigningKey();
    const { url } = await upstream(REAL_FUNCTION, { JWKS: JSON.stringify(toJwks([key.publicJwk])), LOG_LEVEL: 'silent' });
    const response = await fetch(`${url}/p-1`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 401, code: expect.any(String) });
  });

  it.skipIf(realReason !== '')(`serves the pod's own metrics on metrics_port, never behind the function's path${realReason}`, async () => {
    const key = await generateSigningKey();
    const pod = await upstream(REAL_FUNCTION, { JWKS: JSON.stringify(toJwks([key.publicJwk])), LOG_LEVEL: 'silent' });
    expect((await fetch(`${pod.url}/p-1`)).status).toBe(401);
    expect((await fetch(`${pod.url}/p-2`)).status).toBe(401);

    const scraped = await fetch(pod.metricsUrl);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    expect(text).toMatch(/marketplace_function_requests_total\{function="products-get",method="GET",status_class="4xx"\} 2/);
    expect(text).toMatch(/marketplace_function_errors_total\{function="products-get",class="client",code="[a-z_]+"\} 2/);
    expect(text).toContain('process_resident_memory_bytes');
    // The function's path does not reach the metrics: /metrics there is the function's own route.
    expect(await (await fetch(`${pod.url}/metrics`)).text()).not.toContain('marketplace_function_requests_total');
    expect((await fetch(pod.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });
});
