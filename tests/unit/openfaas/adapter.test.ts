import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { toProblem } from '../../../layers/http/problem';
import {
  hasBody,
  invokeHandler,
  isTextMediaType,
  makeContext,
  makeEvent,
  readBody,
  resolveHandler,
  type FunctionHandler,
} from '../../../openfaas/template/node20-middy/adapter';

const request = (url: string, headers: Record<string, string> = {}, method = 'POST') => ({ url, method, headers });

const event = (body = '') => makeEvent(request('/x'), Buffer.from(body));

describe('makeEvent', () => {
  it('keeps a text body raw and parses the query with repetition', () => {
    const built = makeEvent(request('/items/7?a=1&a=2&b=x', { 'content-type': 'application/json' }), Buffer.from('{"n":1}'));
    expect(built).toEqual({
      body: '{"n":1}',
      headers: { 'content-type': 'application/json' },
      method: 'POST',
      query: { a: ['1', '2'], b: 'x' },
      path: '/items/7',
    });
  });

  it('gives non-text bodies as a Buffer, and treats a missing content-type as text', () => {
    expect(Buffer.isBuffer(makeEvent(request('/', { 'content-type': 'image/png' }), Buffer.from([1, 2])).body)).toBe(true);
    expect(makeEvent(request('/'), Buffer.from('plain')).body).toBe('plain');
  });

  it('lets the gateway override the path', () => {
    expect(makeEvent(request('/function/a/b?q=1'), undefined, '/b')).toMatchObject({ path: '/b', query: { q: '1' }, body: '' });
    expect(makeEvent(request('/function/a/b'), undefined, '/b')).toMatchObject({ path: '/b', query: {}, body: '' });
  });

  it('classifies media types', () => {
    for (const type of ['text/plain', 'application/json; charset=utf-8', 'application/problem+json', 'application/x-www-form-urlencoded', undefined]) {
      expect(isTextMediaType(type)).toBe(true);
    }
    for (const type of ['application/octet-stream', 'image/png', 'multipart/form-data; boundary=x']) expect(isTextMediaType(type)).toBe(false);
  });
});

describe('makeContext', () => {
  it('chains status and headers, reads them back, and settles once', () => {
    const callback = vi.fn();
    const context = makeContext(callback);
    expect(context.status(201).headers({ a: '1' })).toBe(context);
    expect(context.status()).toBe(201);
    expect(context.headers()).toEqual({ a: '1' });
    context.succeed('first');
    context.succeed('second');
    context.fail(new Error('late'));
    expect(context.cbCalled).toBe(3);
    expect(callback).toHaveBeenCalledTimes(1);
    expect(callback).toHaveBeenCalledWith(undefined, 'first');
  });
});

describe('invokeHandler', () => {
  it('writes objects as JSON with the status and headers the function set', async () => {
    const handler: FunctionHandler = async (_event, context) => context.status(201).headers({ 'x-a': 1 }).succeed({ ok: true });
    expect(await invokeHandler(handler, event())).toEqual({
      status: 201,
      headers: { 'x-a': '1', 'content-type': 'application/json' },
      body: '{"ok":true}',
    });
  });

  it('uses the returned value when the function calls neither succeed nor fail', async () => {
    const reply = await invokeHandler(async () => 'hello', event());
    expect(reply).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'hello' });
  });

  it('passes strings and Buffers through and keeps a content-type the function set', async () => {
    const buffer = Buffer.from([0, 1, 2]);
    expect((await invokeHandler(async () => buffer, event())).body).toBe(buffer);
    const reply = await invokeHandler(async (_e, context) => context.headers({ 'content-type': 'text/csv' }).succeed('a,b'), event());
    expect(reply.headers['content-type']).toBe('text/csv');
    expect((await invokeHandler(async () => undefined, event())).body).toBe('');
  });

  it.each([
    [
      'throws',
      (async () => {
        throw new Error('db password is hunter2');
      }) as FunctionHandler,
    ],
    ['calls fail', (async (_e, context) => context.status(404).fail(new Error('db password is hunter2'))) as FunctionHandler],
    [
      'throws synchronously',
      (() => {
        throw new Error('db password is hunter2');
      }) as FunctionHandler,
    ],
  ])('answers a problem 500 without internals when the function %s', async (_case, handler) => {
    const onError = vi.fn();
    const reply = await invokeHandler(handler, event(), { onError });
    expect(reply.status).toBe(500);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(String(reply.body)).not.toContain('hunter2');
    // The template's problem is the one layers/http/problem.ts makes for an unknown error.
    expect(JSON.parse(String(reply.body))).toEqual(toProblem(new Error('x')).problem);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('answers a problem when the reply cannot be encoded', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const reply = await invokeHandler(async () => cyclic, event());
    expect(reply.status).toBe(500);
  });

  it('reports an error thrown after succeed without changing the reply', async () => {
    const onError = vi.fn();
    const reply = await invokeHandler(
      async (_e, context) => {
        context.succeed('done');
        throw new Error('after');
      },
      event(),
      { onError },
    );
    expect(reply.body).toBe('done');
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
  });
});

describe('resolveHandler', () => {
  const fn = async () => 'x';
  it('accepts module.exports, exports.default and exports.handler', () => {
    expect(resolveHandler(fn)).toBe(fn);
    expect(resolveHandler({ default: fn })).toBe(fn);
    expect(resolveHandler({ handler: fn })).toBe(fn);
  });
  it('refuses a module without a function', () => {
    expect(() => resolveHandler({ default: 1 })).toThrow(/exports no handler/);
  });
});

describe('readBody', () => {
  const stream = (headers: Record<string, string> = {}) => Object.assign(new PassThrough(), { headers }) as unknown as IncomingMessage & PassThrough;

  it('reads the whole body', async () => {
    const req = stream();
    const read = readBody(req, 10);
    req.end(Buffer.from('hello'));
    expect((await read)?.toString()).toBe('hello');
  });

  it('knows from the framing headers whether there is a body to read', () => {
    expect(hasBody(stream())).toBe(false);
    expect(hasBody(stream({ 'content-length': '0' }))).toBe(false);
    expect(hasBody(stream({ 'content-length': '5' }))).toBe(true);
    expect(hasBody(stream({ 'transfer-encoding': 'chunked' }))).toBe(true);
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    const declared = stream({ 'content-length': '11' });
    const first = readBody(declared, 10);
    declared.end('x'.repeat(11));
    expect(await first).toBeUndefined();
    const streamed = stream();
    const second = readBody(streamed, 10);
    streamed.write('x'.repeat(6));
    streamed.end('x'.repeat(6));
    expect(await second).toBeUndefined();
  });
});
