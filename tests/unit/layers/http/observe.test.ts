import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { httpErrors } from '../../../../layers/http/http-errors';
import { observed } from '../../../../layers/http/observe';
import { createLogger } from '../../../../layers/logger';
import { metrics } from '../../../../layers/metrics';
import { NotFoundError } from '../../../../layers/errors';
import { functionContext, httpEvent } from './fixtures';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'svc', functionName: 'fn-observe', destination }) };
};

const count = async (fn: string, statusClass: string) =>
  (await metrics.requests.get()).values.find((v) => v.labels.function === fn && v.labels.status_class === statusClass)?.value ?? 0;

describe('observe', () => {
  it('logs one completion line with service, function, tenant and status, and counts it', async () => {
    const { lines, logger } = capture();
    const handler = observed({ logger })
      .use(httpErrors())
      .handler(async (_event, context) => {
        context.tenantId = 'tenant-a';
        context.log.info({ password: 'hunter2', headers: { authorization: 'Bearer x' } }, 'working');
        return { statusCode: 201, headers: {} };
      });
    const before = await count('fn-observe', '2xx');
    await handler(httpEvent(), functionContext({ functionName: 'fn-observe' }));
    expect(await count('fn-observe', '2xx')).toBe(before + 1);
    const working = lines.find((l) => l.msg === 'working')!;
    expect(working).toMatchObject({
      service: 'svc',
      function: 'fn-observe',
      requestId: 'req-1',
      password: '[REDACTED]',
      headers: { authorization: '[REDACTED]' },
    });
    const done = lines.find((l) => l.msg === 'request completed')!;
    expect(done).toMatchObject({ status: 201, tenantId: 'tenant-a', method: 'POST', level: 'info' });
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('records errors mapped by httpErrors and early responses', async () => {
    const { lines, logger } = capture();
    const failing = observed({ logger })
      .use(httpErrors())
      .handler(async () => {
        throw new NotFoundError('thing');
      });
    expect((await failing(httpEvent(), functionContext({ functionName: 'fn-observe' }))).statusCode).toBe(404);
    const early = observed({ logger })
      .use({ before: async () => ({ statusCode: 200, headers: {}, body: 'replayed' }) })
      .handler(async () => {
        throw new Error('never runs');
      });
    expect((await early(httpEvent(), functionContext({ functionName: 'fn-observe' }))).body).toBe('replayed');
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => l.status)).toEqual([404, 200]);
  });
});
