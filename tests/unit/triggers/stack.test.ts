import { describe, expect, it } from 'vitest';
import { loadStack, parseStack, schedules, stackFunctions, subscriptions, topicsOf } from '../../../triggers/stack';

const yaml = `
version: 1.0
provider: { name: openfaas, gateway: http://127.0.0.1:8080 }
x-defaults: &defaults
  lang: node20-middy
  limits: { memory: 128Mi, cpu: 250m }
  environment: { exec_timeout: 10s }
functions:
  a-on-x:
    <<: *defaults
    handler: ./functions/a/on-x.ts
    labels: { com.openfaas.scale.min: 1 }
    annotations: { topic: " a.x.created , a.x.deleted,," }
  a-sweep:
    <<: *defaults
    handler: ./functions/a/sweep.ts
    annotations: { topic: cron-function, schedule: "*/5 * * * *" }
  a-get:
    <<: *defaults
    handler: ./functions/a/get.ts
`;

describe('parseStack', () => {
  const stack = parseStack(yaml);

  it('resolves merge keys and makes labels, annotations and environment strings', () => {
    expect(stack.version).toBe('1');
    expect(stack.functions['a-on-x']).toEqual({
      name: 'a-on-x',
      lang: 'node20-middy',
      handler: './functions/a/on-x.ts',
      labels: { 'com.openfaas.scale.min': '1' },
      annotations: { topic: ' a.x.created , a.x.deleted,,' },
      environment: { exec_timeout: '10s' },
      limits: { memory: '128Mi', cpu: '250m' },
    });
    expect(stackFunctions(stack).map((fn) => fn.name)).toEqual(['a-on-x', 'a-sweep', 'a-get']);
  });

  it('reads topics and schedules', () => {
    expect(topicsOf(stack.functions['a-on-x']!)).toEqual(['a.x.created', 'a.x.deleted']);
    expect(subscriptions(stack)).toEqual([{ function: 'a-on-x', topics: ['a.x.created', 'a.x.deleted'] }]);
    expect(schedules(stack)).toEqual([{ function: 'a-sweep', schedule: '*/5 * * * *' }]);
  });

  it('refuses a function without a handler', () => {
    expect(() => parseStack('version: 1.0\nprovider: { name: openfaas }\nfunctions:\n  x: { lang: node20 }\n')).toThrow();
  });

  it('reads the repository stack.yml', () => {
    expect(Object.keys(loadStack().functions).length).toBeGreaterThan(0);
  });
});
