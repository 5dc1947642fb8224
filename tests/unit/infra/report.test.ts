import { describe, expect, it } from 'vitest';
import { SERVICES, collectUrls } from '../../../infra/launcher/index';
import { exportLines, formatTable, shellQuote } from '../../../infra/launcher/report';
import type { ServiceReport } from '../../../infra/launcher/types';

const reports: ServiceReport[] = [
  { name: 'kafka', title: 'kafka 3.9 KRaft', url: '127.0.0.1:9092', state: 'reused', seconds: 0.21 },
  { name: 'mongo', title: 'MONGO_URL', url: 'mongodb://db:27017/', state: 'external', seconds: 0.3 },
  { name: 'redis', title: 'redis-server', url: 'redis://127.0.0.1:6379', state: 'started', seconds: 1.04 },
  { name: 'stripe', title: 'stripe-mock', url: 'http://127.0.0.1:12111', state: 'started', seconds: 2 },
  { name: 'prometheus', title: 'prometheus', url: 'http://127.0.0.1:9090', state: 'failed', seconds: 1, error: 'boom' },
];

describe('launcher report', () => {
  it('prints an aligned table with a total', () => {
    expect(formatTable(reports.slice(0, 3), 1.25)).toBe(
      [
        'service  via              url                     state     seconds',
        'kafka    kafka 3.9 KRaft  127.0.0.1:9092          reused    0.2',
        'mongo    MONGO_URL        mongodb://db:27017/     external  0.3',
        'redis    redis-server     redis://127.0.0.1:6379  started   1.0',
        'total 1.3s',
      ].join('\n'),
    );
  });

  it('gives URLs of required services always and of optional ones only when available', () => {
    expect(collectUrls(reports)).toEqual({
      kafkaBrokers: '127.0.0.1:9092',
      mongoUrl: 'mongodb://db:27017/',
      redisUrl: 'redis://127.0.0.1:6379',
      stripeApiBase: 'http://127.0.0.1:12111',
    });
  });

  it('prints shell export lines, quoting when needed', () => {
    expect(exportLines(collectUrls(reports), SERVICES)).toBe(
      [
        'export KAFKA_BROKERS=127.0.0.1:9092',
        'export MONGO_URL=mongodb://db:27017/',
        'export REDIS_URL=redis://127.0.0.1:6379',
        'export STRIPE_API_BASE=http://127.0.0.1:12111',
      ].join('\n'),
    );
    expect(shellQuote('mongodb://u:p@h/db?replicaSet=rs0&w=majority')).toBe(`'mongodb://u:p@h/db?replicaSet=rs0&w=majority'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
