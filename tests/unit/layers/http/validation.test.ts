import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpErrors } from '../../../../layers/http/http-errors';
import { validate } from '../../../../layers/validation';
import { echo, functionContext, httpEvent } from './fixtures';

const schemas = {
  body: z.object({ name: z.string().min(1), qty: z.number().int().positive() }).strict(),
  query: z.object({ limit: z.coerce.number().int().max(50).default(10) }),
  params: z.object({ id: z.string().regex(/^p\d+$/) }),
  headers: z.object({ 'if-match': z.string() }),
};
const handler = echo().use(httpErrors()).use(validate(schemas));

describe('validate', () => {
  it('replaces each part with its parsed value and keeps other headers', async () => {
    const response = await handler(
      httpEvent({ body: { name: 'a', qty: 2 }, query: { limit: '5' }, params: { id: 'p1' }, headers: { 'if-match': '"1"', 'idempotency-key': 'k' } }),
      functionContext(),
    );
    expect(response.body).toEqual({
      body: { name: 'a', qty: 2 },
      query: { limit: 5 },
      params: { id: 'p1' },
      headers: { 'if-match': '"1"', 'idempotency-key': 'k' },
    });
  });

  it('reports every failing field of every part at once', async () => {
    const response = await handler(
      httpEvent({ body: { name: 1, qty: -1, extra: true }, query: { limit: '500' }, params: { id: 'x' }, headers: {} }),
      functionContext(),
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_failed', detail: 'Invalid request params, query, headers, body: see errors.' });
    const paths = (response.body as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['params.id', 'query.limit', 'headers.if-match', 'body.name', 'body.qty', 'body']));
  });

  it('refuses an operator object where a string is expected', async () => {
    const response = await handler(httpEvent({ body: { name: { $ne: '' }, qty: 1 }, params: { id: 'p1' }, headers: { 'if-match': 'x' } }), functionContext());
    expect(response).toMatchObject({ statusCode: 400, body: { errors: [{ path: 'body.name' }] } });
  });
});
