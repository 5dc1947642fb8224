import { EventEmitter } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, runProcess, serveMetrics, settingsFrom } from '../../../infra/k8s/bin/run';
import { metrics } from '../../../layers/metrics';

/** The shared shell of the platform processes infra/k8s deploys (connector, outbox runner, cron). */

describe('settingsFrom', () => {
  it('defaults to the OpenFaaS gateway in the cluster, metrics on 8081 and the image’s stack.yml', () => {
    expect(settingsFrom({})).toEqual({
      gatewayUrl: 'http://gateway.openfaas:8080',
      metricsPort: 8081,
      stackPath: path.join(REPO_ROOT, 'stack.yml'),
      logLevel: 'info',
    });
  });

  it('reads the environment', () => {
    expect(
      settingsFrom({ GATEWAY_URL: 'http://gw:8080/', METRICS_PORT: '9100', STACK_PATH: '/s.yml', CONNECTOR_SECRET: 'x'.repeat(16), LOG_LEVEL: 'warn' }),
    ).toEqual({
      gatewayUrl: 'http://gw:8080',
      metricsPort: 9100,
      stackPath: '/s.yml',
      secret: 'x'.repeat(16),
      logLevel: 'warn',
    });
    expect(() => settingsFrom({ METRICS_PORT: 'nine' })).toThrow(/METRICS_PORT/);
  });
});

describe('serveMetrics', () => {
  it('serves the process registry at /metrics, 200 at /healthz and 404 elsewhere', async () => {
    metrics.consumerLag.set({ group: 'connector.test', topic: 'test.topic' }, 7);
    const server = await serveMetrics(0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const scrape = await fetch(`${base}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await scrape.text()).toContain('marketplace_consumer_lag{group="connector.test",topic="test.topic"} 7');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('runProcess', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('starts the process, then stops it and its metrics server on SIGTERM', async () => {
    vi.stubEnv('METRICS_PORT', '0');
    const signals = new EventEmitter();
    const stop = vi.fn();
    const start = vi.fn(async () => ({ stop }));
    const { stopped } = await runProcess('test-runner', start, signals);
    const [context] = start.mock.calls[0] as unknown as [{ stack: { functions: Record<string, unknown> }; settings: { gatewayUrl: string } }];
    expect(Object.keys(context.stack.functions)).toContain('platform-outbox-relay');
    expect(context.settings.gatewayUrl).toBe('http://gateway.openfaas:8080');
    expect(stop).not.toHaveBeenCalled();
    signals.emit('SIGTERM');
    await stopped;
    expect(stop).toHaveBeenCalledTimes(1);
  });
});
