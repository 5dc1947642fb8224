import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, marketplaceHome, port, resolveService, selectServices } from '../../../infra/launcher/config';
import { SERVICES } from '../../../infra/launcher/index';

const def = (name: string) => SERVICES.find((d) => d.name === name)!;

describe('launcher config', () => {
  it('keeps everything under MARKETPLACE_HOME, defaulting to ~/.cache/marketplace', () => {
    expect(marketplaceHome({ HOME: '/home/u' })).toBe('/home/u/.cache/marketplace');
    const config = loadConfig({ MARKETPLACE_HOME: '/tmp/mh' });
    expect(config).toMatchObject({ home: '/tmp/mh', runDir: '/tmp/mh/run', binDir: '/tmp/mh/bin', dataDir: '/tmp/mh/data' });
    expect(config.infraDir).toBe(path.resolve(__dirname, '../../../infra'));
  });

  it('uses the default ports unless overridden', () => {
    expect(loadConfig({ HOME: '/h' }).ports).toEqual({
      kafka: 9092,
      kafkaController: 9093,
      mongo: 27017,
      redis: 6379,
      stripe: 12111,
      prometheus: 9090,
      gateway: 8080,
    });
    const ports = loadConfig({ HOME: '/h', KAFKA_PORT: '19092', MONGO_PORT: '27018', GATEWAY_PORT: '' }).ports;
    expect(ports).toMatchObject({ kafka: 19092, mongo: 27018, gateway: 8080 });
  });

  it('rejects a port that is not one', () => {
    expect(() => port({ REDIS_PORT: 'abc' }, 'REDIS_PORT')).toThrow('REDIS_PORT=abc is not a TCP port');
    expect(() => port({ REDIS_PORT: '70000' }, 'REDIS_PORT')).toThrow();
  });

  it('resolves a service to its env URL (external) or the local one', () => {
    const config = loadConfig({ HOME: '/h', MONGO_PORT: '27018' });
    expect(resolveService(def('mongo'), config, {})).toEqual({ url: 'mongodb://127.0.0.1:27018/', external: false });
    expect(resolveService(def('mongo'), config, { MONGO_URL: 'mongodb://db:27017/x' })).toEqual({
      url: 'mongodb://db:27017/x',
      external: true,
    });
    expect(resolveService(def('kafka'), config, { KAFKA_BROKERS: '  ' }).external).toBe(false);
    const envVars = Object.fromEntries(SERVICES.map((d) => [d.name, d.envVar]));
    expect(envVars).toEqual({
      kafka: 'KAFKA_BROKERS',
      mongo: 'MONGO_URL',
      redis: 'REDIS_URL',
      stripe: 'STRIPE_API_BASE',
      prometheus: 'PROMETHEUS_URL',
    });
    expect(SERVICES.map((d) => resolveService(d, config, {}).url)).toEqual([
      '127.0.0.1:9092',
      'mongodb://127.0.0.1:27018/',
      'redis://127.0.0.1:6379',
      'http://127.0.0.1:12111',
      'http://127.0.0.1:9090',
    ]);
  });

  it('selects services by name, all by default', () => {
    expect(selectServices()).toEqual(['kafka', 'mongo', 'redis', 'stripe', 'prometheus']);
    expect(selectServices(['redis', 'kafka'])).toEqual(['kafka', 'redis']);
    expect(() => selectServices(['kafka', 'postgres'])).toThrow('unknown service postgres');
  });

  it('marks kafka, mongo, redis and stripe-mock required, prometheus optional', () => {
    expect(SERVICES.filter((d) => d.required).map((d) => d.name)).toEqual(['kafka', 'mongo', 'redis', 'stripe']);
  });
});
