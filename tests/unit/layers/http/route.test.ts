import { describe, expect, it } from 'vitest';
import { httpErrors } from '../../../../layers/http/http-errors';
import { compilePath, matchPath, route } from '../../../../layers/http/route';
import { echo, functionContext, httpEvent } from './fixtures';

describe('path templates', () => {
  it('matches parameters as single decoded segments', () => {
    const compiled = compilePath('/{id}/variants/{sku}');
    expect(matchPath(compiled, '/p1/variants/A%20B')).toEqual({ id: 'p1', sku: 'A B' });
    expect(matchPath(compiled, '/p1/variants/')).toBeUndefined();
    expect(matchPath(compiled, '/p1/x/variants/a')).toBeUndefined();
    expect(matchPath(compilePath(''), '')).toEqual({});
    expect(matchPath(compilePath('/a.b'), '/aXb')).toBeUndefined();
  });
});

describe('route', () => {
  const handler = echo()
    .use(httpErrors())
    .use(route({ method: 'GET', path: '/{id}' }));

  it('fills params for the operation method (and HEAD for GET)', async () => {
    expect((await handler(httpEvent({ method: 'GET', path: '/abc' }), functionContext())).body).toMatchObject({ params: { id: 'abc' } });
    expect((await handler(httpEvent({ method: 'HEAD', path: '/abc' }), functionContext())).statusCode).toBe(200);
  });

  it('answers another method with 405 and Allow', async () => {
    expect(await handler(httpEvent({ method: 'DELETE', path: '/abc' }), functionContext())).toMatchObject({
      statusCode: 405,
      headers: { allow: 'GET' },
      body: { code: 'method_not_allowed' },
    });
  });

  it('answers an unknown path with 404', async () => {
    expect(await handler(httpEvent({ method: 'GET', path: '/abc/def' }), functionContext())).toMatchObject({ statusCode: 404, body: { code: 'not_found' } });
  });
});
