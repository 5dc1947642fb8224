import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError } from '../../../../layers/errors';
import { defineHttp } from '../../../../layers/http/define';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A stand-in for the template's context: records what the function answers. */
const context = () => {
  const reply: Reply = { status: 0, headers: {}, body: undefined };
  const ctx = {
    status(code: number) {
      reply.status = code;
      return ctx;
    },
    headers(values: Record<string, string>) {
      reply.headers = values;
      return ctx;
    },
    succeed(value: unknown) {
      reply.body = value;
      return value;
    },
    fail() {
      throw new Error('the adapter never fails');
    },
  };
  return { ctx, reply };
};

const echo = defineHttp(
  {
    name: 'test-echo',
    method: 'POST',
    path: '/{id}',
    summary: 'Echo',
    auth: 'public',
    rateLimit: false,
    request: { params: z.object({ id: z.string().regex(/^\d+$/) }), query: z.object({ loud: z.enum(['yes', 'no']).default('no') }), body: z.object({ text: z.string() }).strict() },
    response: { status: 201, schema: z.object({ id: z.string(), text: z.string() }) },
  },
  async ({ params, query, body }) => {
    if (body.text === 'clash') throw new ConflictError('Already there.', 'clash');
    return { body: { id: params.id, text: query.loud === 'yes' ? body.text.toUpperCase() : body.text }, headers: { etag: '"1"' } };
  },
);

const call = async (path: string, body: string, query: Record<string, string> = {}) => {
  const { ctx, reply } = context();
  await echo({ method: 'POST', path, headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' }, query, body }, ctx);
  return reply;
};

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
    expect(await call('/42', '{"text":"clash"}')).toMatchObject({ status: 409, body: { code: 'clash' }, headers: { 'content-type': 'application/problem+json' } });
  });

  it('carries its operation for the gateway and the OpenAPI document', () => {
    expect(echo.operation).toMatchObject({ name: 'test-echo', method: 'POST', path: '/{id}', auth: 'public' });
  });
});
