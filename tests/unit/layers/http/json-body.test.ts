import { describe, expect, it } from 'vitest';
import { httpErrors } from '../../../../layers/http/http-errors';
import { findOperatorKey, jsonBody } from '../../../../layers/http/json-body';
import { echo, functionContext, httpEvent } from './fixtures';

const handler = (opts = {}) => echo().use(httpErrors()).use(jsonBody(opts));
const call = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }, opts = {}) =>
  handler(opts)(httpEvent({ body, headers }), functionContext());

describe('jsonBody', () => {
  it('parses JSON and leaves an empty body undefined', async () => {
    expect((await call('{"a":[1,{"b":"c"}]}')).body).toMatchObject({ body: { a: [1, { b: 'c' }] } });
    expect((await call('')).body).toMatchObject({ body: undefined });
    expect((await call(Buffer.from('{"x":1}'), { 'content-type': 'application/merge-patch+json' })).body).toMatchObject({ body: { x: 1 } });
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const response = await call('{"a":');
    expect(response).toMatchObject({ statusCode: 400, body: { code: 'malformed_json', status: 400 }, headers: { 'content-type': 'application/problem+json' } });
  });

  it('refuses oversized bodies before parsing them', async () => {
    const response = await call(JSON.stringify({ a: 'x'.repeat(200) }), undefined, { maxBytes: 100 });
    expect(response).toMatchObject({ statusCode: 413, body: { code: 'payload_too_large', limitBytes: 100 } });
  });

  it('refuses other media types', async () => {
    expect(await call('a=1', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ statusCode: 415 });
  });

  it.each([
    ['{"name":{"$ne":null}}', '$.name.$ne'],
    ['{"filter":[{"$where":"sleep(1000)"}]}', '$.filter[0].$where'],
    ['{"a.b":1}', '$.a.b'],
    ['{"__proto__":{"admin":true}}', '$.__proto__'],
  ])('refuses the operator key in %s', async (body, pointer) => {
    expect(await call(body)).toMatchObject({ statusCode: 400, body: { code: 'forbidden_key', pointer } });
  });

  it('can be told to allow operator-looking keys', async () => {
    expect((await call('{"$x":1}', undefined, { rejectOperatorKeys: false })).statusCode).toBe(200);
  });

  it('refuses pathological nesting', async () => {
    expect(await call('['.repeat(40) + ']'.repeat(40))).toMatchObject({ statusCode: 400, body: { code: 'body_too_deep' } });
    expect(findOperatorKey({ a: [{ b: 1 }] }, 16)).toBeUndefined();
  });
});
