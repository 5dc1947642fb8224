import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readText, readYaml, ROOT } from './support';

/** infra/compose/docker-compose.yml, read as compose reads it (YAML merge keys resolved). */

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Env;
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: string[];
  ports?: string[];
  network_mode?: string;
  healthcheck?: unknown;
}

const COMPOSE_DIR = path.join(ROOT, 'infra/compose');
const COMPOSE_FILE = path.join(COMPOSE_DIR, 'docker-compose.yml');
const compose = parse(fs.readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const service = (name: string): Service => {
  expect(services[name], `service ${name}`).toBeDefined();
  return services[name]!;
};
const dependencies = (s: Service): Record<string, string | undefined> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((name) => [name, undefined]))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([name, d]) => [name, d.condition]));
const env = (name: string): Env => service(name).environment ?? {};

const KAFKA = ['kafka-1', 'kafka-2', 'kafka-3'];
const MONGO = ['mongo-1', 'mongo-2', 'mongo-3'];

/** `docker compose config -q` validates against compose's own schema, without a daemon; only if the compose plugin is there. */
const composeCli = (() => {
  const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (version.error) return { available: false, reason: `docker not found (${version.error.message})` };
  if (version.status !== 0) return { available: false, reason: `docker compose is not installed: ${(version.stderr || version.stdout).trim().split('\n')[0]}` };
  return { available: true, reason: '' };
})();

describe('docker-compose.yml', () => {
  it('gives every service an image or a build', () => {
    for (const [name, s] of Object.entries(services)) expect(Boolean(s.image || s.build), name).toBe(true);
  });

  it('depends only on services it defines, with conditions compose knows', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(dependencies(s))) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        expect(dependency).not.toBe(name);
        if (condition) expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck, `${dependency} has a healthcheck`).toBeDefined();
      }
      if (s.network_mode?.startsWith('service:')) expect(services[s.network_mode.slice('service:'.length)], `${name} network_mode`).toBeDefined();
    }
  });

  it('mounts host paths that exist and named volumes it declares', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) {
          const resolved = source.startsWith('/') ? source : path.resolve(COMPOSE_DIR, source);
          if (resolved !== '/var/run/docker.sock') expect(fs.existsSync(resolved), `${name}: ${volume}`).toBe(true);
        } else {
          expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
        }
      }
    }
  });

  it('runs the brief’s set of services', () => {
    for (const name of [...KAFKA, 'topics', ...MONGO, 'mongo-init', 'redis', 'prometheus', 'grafana', 'loki', 'tempo', 'stripe-mock', 'gateway']) service(name);
    expect(service('redis').image).toMatch(/^redis:7(\.|-|$)/);
    expect(service('stripe-mock').image).toMatch(/^stripe\/stripe-mock:/);
    expect(service('loki').image).toMatch(/^grafana\/loki:3\./);
    expect(service('tempo').image).toMatch(/^grafana\/tempo:2\./);
  });
});

describe('Kafka', () => {
  const brokers = KAFKA.map((name) => ({ name, s: service(name), env: env(name) }));

  it('is three KRaft brokers of apache/kafka 3.9 that are also the controller quorum', () => {
    const voters = brokers.map(({ name, env: e }) => `${e.KAFKA_NODE_ID}@${name}:9093`).join(',');
    for (const { name, s, env: e } of brokers) {
      expect(s.image, name).toMatch(/^apache\/kafka:3\.9\.\d+$/);
      expect(e.KAFKA_PROCESS_ROLES, name).toBe('broker,controller');
      expect(e.KAFKA_CONTROLLER_QUORUM_VOTERS, name).toBe(voters);
      expect(e.CLUSTER_ID, name).toBe(brokers[0]!.env.CLUSTER_ID);
      expect(e.KAFKA_ADVERTISED_LISTENERS, name).toContain(`INTERNAL://${name}:9092`);
      expect(s.healthcheck, name).toBeDefined();
    }
    expect(new Set(brokers.map((b) => b.env.KAFKA_NODE_ID))).toEqual(new Set(['1', '2', '3']));
    expect(brokers[0]!.env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('replicates 3 times, acknowledges with 2 in sync, and never creates topics by itself', () => {
    for (const { name, env: e } of brokers) {
      expect(e, name).toMatchObject({
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_DEFAULT_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '2',
      });
    }
  });

  it('gets its topics from a one-shot that runs triggers/provision.ts with RF 3 once the brokers are healthy', () => {
    const topics = service('topics');
    expect(topics.image).toMatch(/^node:20/);
    expect(topics.command?.join(' ')).toContain('npx tsx triggers/provision.ts');
    expect(env('topics').KAFKA_REPLICATION_FACTOR).toBe('3');
    expect(env('topics').KAFKA_BROKERS).toBe(env('gateway').KAFKA_BROKERS);
    expect(dependencies(topics)).toEqual(Object.fromEntries(KAFKA.map((name) => [name, 'service_healthy'])));
  });
});

describe('MongoDB', () => {
  it('is a replica set of three mongod, initiated by a one-shot that names all three', () => {
    for (const name of MONGO) {
      expect(service(name).image, name).toMatch(/^mongo:\d/);
      expect(service(name).command, name).toEqual(['mongod', '--replSet', 'rs0', '--bind_ip_all']);
    }
    const init = readText('infra/compose/mongo-init.js');
    for (const name of MONGO) expect(init).toContain(`'${name}:27017'`);
    expect(dependencies(service('mongo-init'))).toEqual(Object.fromEntries(MONGO.map((name) => [name, 'service_healthy'])));
  });
});

describe('the gateway', () => {
  const gateway = service('gateway');
  const e = env('gateway');

  it('runs npm start on node 20 with every backing service’s URL set', () => {
    expect(gateway.image).toMatch(/^node:20/);
    expect(gateway.command).toEqual(['npm', 'start']);
    expect(e.KAFKA_BROKERS).toBe(KAFKA.map((name) => `${name}:9092`).join(','));
    expect(e.MONGO_URL).toBe(`mongodb://${MONGO.map((name) => `${name}:27017`).join(',')}/marketplace?replicaSet=rs0`);
    expect(e.REDIS_URL).toBe('redis://redis:6379');
    expect(e.KAFKA_REPLICATION_FACTOR).toBe('3');
    // set, so the launcher in `npm start` only checks them instead of installing its own
    expect(e.STRIPE_API_BASE).toBe('http://stripe-mock:12111');
    expect(e.PROMETHEUS_URL).toBe('http://prometheus:9090');
    expect(e.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://tempo:4318');
  });

  it('names only hosts that are services of the file', () => {
    const hosts = [
      ...e.KAFKA_BROKERS!.split(',').map((broker) => broker.split(':')[0]!),
      ...e
        .MONGO_URL!.replace(/^mongodb:\/\//, '')
        .split('/')[0]!
        .split(',')
        .map((host) => host.split(':')[0]!),
      ...['REDIS_URL', 'STRIPE_API_BASE', 'PROMETHEUS_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT'].map((name) => new URL(e[name]!).hostname),
    ];
    for (const host of hosts) expect(services[host], host).toBeDefined();
  });

  it('starts after the topics and the replica set exist', () => {
    expect(dependencies(gateway)).toMatchObject({
      topics: 'service_completed_successfully',
      'mongo-init': 'service_completed_successfully',
      redis: 'service_healthy',
    });
  });

  it('is reachable on 8080 through the forwarder in its network namespace, where Prometheus scrapes it', () => {
    expect(gateway.ports).toEqual(['8080:8081']);
    const expose = service('gateway-expose');
    expect(expose.network_mode).toBe('service:gateway');
    expect(expose.environment).toEqual({ LISTEN_PORT: '8081', TARGET_PORT: '8080' });
    const scrape = readYaml<{ scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }>('infra/compose/prometheus.yml').scrape_configs;
    expect(scrape.find((job) => job.job_name === 'gateway')?.static_configs[0]?.targets).toEqual(['gateway:8081']);
  });
});

describe('observability', () => {
  it('gives Prometheus infra/prometheus/rules.yml at the path its config names', () => {
    const config = readYaml<{ rule_files: string[] }>('infra/compose/prometheus.yml');
    expect(config.rule_files).toEqual(['../prometheus/rules.yml']);
    expect(fs.existsSync(path.resolve(COMPOSE_DIR, config.rule_files[0]!))).toBe(true);
    const prometheus = service('prometheus');
    expect(prometheus.command).toContain('--config.file=/etc/marketplace/compose/prometheus.yml');
    expect(prometheus.volumes).toEqual(
      expect.arrayContaining(['./prometheus.yml:/etc/marketplace/compose/prometheus.yml:ro', '../prometheus:/etc/marketplace/prometheus:ro']),
    );
  });

  it('gives Grafana the provisioning and every URL its datasources read from the environment', () => {
    const grafana = service('grafana');
    expect(grafana.volumes).toEqual(expect.arrayContaining(['../grafana/provisioning:/etc/grafana/provisioning:ro']));
    const wanted = [...readText('infra/grafana/provisioning/datasources/datasources.yml').matchAll(/(?<!\$)\$\{(\w+)\}/g)].map((m) => m[1]!);
    expect(wanted.sort()).toEqual(['LOKI_URL', 'PROMETHEUS_URL', 'TEMPO_URL']);
    for (const name of wanted) {
      const url = new URL(grafana.environment![name]!);
      expect(services[url.hostname], `${name}=${url}`).toBeDefined();
    }
  });

  it('has Tempo receive OTLP over HTTP where the gateway sends it', () => {
    const tempo = readYaml<{ distributor: { receivers: { otlp: { protocols: { http: { endpoint: string } } } } }; server: { http_listen_port: number } }>(
      'infra/compose/tempo.yml',
    );
    expect(tempo.distributor.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${new URL(env('gateway').OTEL_EXPORTER_OTLP_ENDPOINT!).port}`);
    expect(String(tempo.server.http_listen_port)).toBe(new URL(env('grafana').TEMPO_URL!).port);
  });
});

describe('docker compose config', () => {
  if (!composeCli.available) console.warn(`docker compose config -q skipped: ${composeCli.reason}`);
  it.skipIf(!composeCli.available)(`accepts the file${composeCli.available ? '' : ` (skipped: ${composeCli.reason})`}`, () => {
    const result = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '-q'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
