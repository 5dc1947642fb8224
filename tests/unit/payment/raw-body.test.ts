import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHttp } from '../../../layers/http/define';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';

/** The `rawBody` option of defineHttp (for signed webhooks): the core gets the body exactly as received, besides the parsed one. */
const seen: { rawBody?: string; body?: unknown }[] = [];
const operation = (rawBody: boolean) =>
  defineHttp(
    {
      name: `raw-body-${rawBody}`,
      method: 'POST',
      summary: 'test',
      auth: 'public',
      rawBody,
      rateLimit: false,
      request: { body: z.object({ a: z.number() }).passthrough() },
      response: { status: 200 },
    },
    async (request) => {
      seen.push({ rawBody: request.rawBody, body: request.body });
      return { body: { ok: true } };
    },
  );

const call = (handler: ReturnType<typeof operation>, body: string) =>
  invokeHandler(handler as never, { method: 'POST', path: '/', headers: { 'content-type': 'application/json; charset=utf-8' }, query: {}, body });

describe('defineHttp rawBody', () => {
  it('hands the exact bytes to the core (whitespace, key order, unicode) besides the parsed body', async () => {
    seen.length = 0;
    const exact = '{ "b": "é\\u00e9",\n  "a": 1 }';
    const reply = await call(operation(true), exact);
    expect(reply.status).toBe(200);
    expect(seen).toEqual([{ rawBody: exact, body: { b: 'éé', a: 1 } }]);
  });

  it('is off by default, and a malformed body is still a 400 problem', async () => {
    seen.length = 0;
    await call(operation(false), '{"a":1}');
    expect(seen).toEqual([{ rawBody: undefined, body: { a: 1 } }]);
    const bad = await call(operation(true), '{"a":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toMatchObject({ code: 'malformed_json' });
  });
});
