import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError } from '../../../../layers/errors';
import { defineHttp } from '../../../../layers/http/define';
import { callHandler } from '../../events/support';

const echo = defineHttp(
  {
    name: 'test-echo',
    method: 'POST',
    path: '/{id}',
    summary: 'Echo',
    auth: 'public',
    rateLimit: false,
    request: {
      params: z.object({ id: z.string().regex(/^\d+$/) }),
      query: z.object({ loud: z.enum(['yes', 'no']).default('no') }),
      body: z.object({ text: z.string() }).strict(),
    },
    response: { status: 201, schema: z.object({ id: z.string(), text: z.string() }) },
  },
  async ({ params, query, body }) => {
    if (body.text === 'clash') throw new ConflictError('Already there.', 'clash');
    return { body: { id: params.id, text: query.loud === 'yes' ? body.text.toUpperCase() : body.text }, headers: { etag: '"1"' } };
  },
);

const call = (path: string, body: string, query: Record<string, string> = {}) =>
  callHandler(echo, { method: 'POST', path, headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' }, query, body });

describe('defineHttp', () => {
  it('runs the core with parsed, validated input and answers with its status and headers', async () => {
    expect(await call('/42', '{"text":"hi"}', { loud: 'yes' })).toEqual({
      status: 201,
      headers: { 'x-request-id': 'r-1', etag: '"1"', 'content-type': 'application/json' },
      body: { id: '42', text: 'HI' },
    });
  });

  it('maps validation, routing and typed errors to problem bodies', async () => {
    expect(await call('/x', '{"text":"hi"}')).toMatchObject({ status: 400, body: { code: 'validation_failed', instance: 'urn:request:r-1' } });
    expect(await call('/42/extra', '{"text":"hi"}')).toMatchObject({ status: 404 });
    expect(await call('/42', '{"text":"clash"}')).toMatchObject({
      status: 409,
      body: { code: 'clash' },
      headers: { 'content-type': 'application/problem+json' },
    });
  });

  it('carries its operation for the gateway and the OpenAPI document', () => {
    expect(echo.operation).toMatchObject({ name: 'test-echo', method: 'POST', path: '/{id}', auth: 'public' });
  });
});
