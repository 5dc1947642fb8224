import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { log4jProperties, newClusterId, serverProperties } from '../../../infra/launcher/kafka';
import { prometheusConfig } from '../../../infra/launcher/prometheus';

const properties = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('kafka server.properties', () => {
  const props = properties(serverProperties({ port: 19092, controllerPort: 19093, logDir: '/data/kafka' }));

  it('is one combined KRaft broker+controller on loopback', () => {
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': '/data/kafka',
    });
  });

  it('never auto-creates topics and fits a single node', () => {
    expect(props).toMatchObject({
      'auto.create.topics.enable': 'false',
      'num.partitions': '3',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('logs at WARN to the console (the service log file)', () => {
    const log4j = properties(log4jProperties());
    expect(log4j['log4j.rootLogger']).toBe('WARN, stdout');
    expect(log4j['log4j.appender.stdout']).toBe('org.apache.log4j.ConsoleAppender');
    expect(log4j['log4j.logger.kafka']).toBe('WARN');
  });

  it('generates cluster ids in Kafka Uuid form', () => {
    for (let i = 0; i < 200; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('prometheus.yml', () => {
  it('scrapes the gateway and itself every 5s and loads the rules', () => {
    const config = parse(prometheusConfig({ port: 9090, gatewayPort: 8081, rulesGlob: '/repo/infra/prometheus/rules/*.yml' }));
    expect(config.global).toEqual({ scrape_interval: '5s', evaluation_interval: '5s' });
    expect(config.rule_files).toEqual(['/repo/infra/prometheus/rules/*.yml']);
    expect(config.scrape_configs).toEqual([
      { job_name: 'prometheus', static_configs: [{ targets: ['127.0.0.1:9090'] }] },
      { job_name: 'gateway', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:8081'] }] },
    ]);
  });
});
