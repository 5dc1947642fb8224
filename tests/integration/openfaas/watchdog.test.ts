import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../openfaas/paths';
import { resolveWatchdog } from '../../../openfaas/watchdog';
import { fixtureProcesses, freePort, startProcess, TEMPLATE_INDEX, waitForHttp, type Started, readyOrStopped } from './support';

/**
 * A bundle under the real of-watchdog in HTTP mode, as the function image runs it:
 * fwatchdog (port) → fprocess `node index.js` (http_port) → the bundle.
 * The binary comes from OF_WATCHDOG_BIN or `go install` of the pinned commit; where neither
 * works (a module proxy that refuses github.com/openfaas/*), the tests are skipped and say why.
 */
const watchdog = resolveWatchdog();
const skipReason = 'reason' in watchdog ? ` (skipped: ${watchdog.reason})` : '';
if ('reason' in watchdog) console.warn(`of-watchdog tests skipped: ${watchdog.reason}`);

interface Watched {
  url: string;
  process: Started;
}

const startWatchdog = async (handlerPath: string, env: Record<string, string> = {}): Promise<Watched> => {
  const [port, upstreamPort] = await Promise.all([freePort(), freePort()]);
  const started = startProcess(
    watchdog.bin!,
    [],
    {
      port: String(port),
      mode: 'http',
      upstream_url: `http://127.0.0.1:${upstreamPort}`,
      fprocess: `node ${TEMPLATE_INDEX}`,
      http_port: String(upstreamPort),
      HANDLER_PATH: handlerPath,
      exec_timeout: '10s',
      read_timeout: '10s',
      write_timeout: '10s',
      prefix_logs: 'false',
      ...env,
    },
    { group: true },
  );
  const url = `http://127.0.0.1:${port}`;
  return readyOrStopped(started, url, async () => {
    await waitForHttp(`${url}/_/health`, 15_000);
    // The watchdog may be healthy a moment before its upstream listens: it answers 502 until then.
    await waitForHttp(url, 15_000, (response) => response.status !== 502 && response.status !== 503);
  });
};

const suite = fixtureProcesses();

const watched = async (handlerPath: string, env?: Record<string, string>): Promise<string> => {
  return suite.track(await startWatchdog(handlerPath, env)).url;
};

describe.skipIf(!watchdog.bin)(`node20-middy under of-watchdog${skipReason}`, () => {
  beforeAll(suite.setup, 60_000);
  afterAll(suite.teardown);

  it('serves a bundle through the watchdog', async () => {
    const url = await watched(suite.fixtures.handlerOf('fixture-echo'));
    const response = await fetch(`${url}/item-9?q=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"via watchdog"}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-fixture')).toBe('echo');
    expect(await response.json()).toMatchObject({ path: '/item-9', query: { q: '1' }, message: 'via watchdog' });
  }, 30_000);

  it('passes the problem+json of a failing function through unchanged', async () => {
    const url = await watched(suite.fixtures.handlerOf('fixture-boom'));
    const response = await fetch(url, { method: 'POST' });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'internal_error', status: 500 });
  }, 30_000);

  const realFunction = path.join(REPO_ROOT, 'dist', 'functions', 'products-get', 'handler.js');
  it.skipIf(!existsSync(realFunction))(
    'serves a built function bundle (products-get) with a 401 problem without a token',
    async () => {
      const { generateSigningKey, toJwks } = await import('../../../layers/auth/tokens');
      const key = await generateSigningKey();
      const url = await watched(realFunction, { JWKS: JSON.stringify(toJwks([key.publicJwk])), LOG_LEVEL: 'silent' });
      const response = await fetch(`${url}/p-1`);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    },
    30_000,
  );
});

describe.runIf(!watchdog.bin)('of-watchdog availability', () => {
  it.skip(`of-watchdog tests need the binary${skipReason}`, () => undefined);
});
