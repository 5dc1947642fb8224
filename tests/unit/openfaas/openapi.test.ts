import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HttpOperation } from '../../../layers/http/define';
import { renderDocs } from '../../../openfaas/gateway/docs';
import { errorStatuses, functionPath, generateOpenApi, pathParamNames, type OperationEntry } from '../../../openfaas/gateway/openapi';

const product = z.object({ id: z.string(), name: z.string(), priceCents: z.number().int() });

const getProduct: HttpOperation = {
  name: 'products-get',
  method: 'GET',
  path: '/{id}',
  summary: 'Get a product',
  tags: ['products'],
  auth: 'customer',
  request: { params: z.object({ id: z.string().min(1) }) },
  response: { status: 200, schema: product, description: 'The product' },
};

const createProduct: HttpOperation = {
  name: 'products-create',
  method: 'POST',
  summary: 'Create a product',
  auth: 'staff',
  idempotent: true,
  request: { body: product.omit({ id: true }), headers: z.object({ 'x-tenant-hint': z.string().optional() }) },
  response: { status: 201, schema: product },
  errors: [409],
};

const variantDelete: HttpOperation = {
  name: 'products-variant-delete',
  method: 'DELETE',
  path: '/{id}/variants/{sku}',
  summary: 'Delete a variant',
  auth: 'public',
  rateLimit: false,
  response: { status: 204 },
};

const entries: OperationEntry[] = [createProduct, getProduct, variantDelete].map((operation) => ({ functionName: operation.name, operation }));

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

describe('generateOpenApi', () => {
  const document = generateOpenApi(entries, { title: 'Test API', version: '1.2.3', serverUrl: 'http://127.0.0.1:8080' });
  const paths = document.paths as Record<string, Record<string, any>>;

  it('is an OpenAPI 3.1 document with a server, bearer security and the problem schema', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({ title: 'Test API', version: '1.2.3' });
    expect(document.servers).toEqual([{ url: 'http://127.0.0.1:8080' }]);
    expect(document.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.components?.schemas?.Problem).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['type', 'title', 'status', 'code']),
    });
  });

  it('puts every operation under /function/<name><path>', () => {
    expect(Object.keys(paths).sort()).toEqual([
      '/function/products-create',
      '/function/products-get/{id}',
      '/function/products-variant-delete/{id}/variants/{sku}',
    ]);
    expect(paths['/function/products-get/{id}']!.get).toMatchObject({ operationId: 'products-get', summary: 'Get a product', tags: ['products'] });
  });

  it('requires a bearer token for non-public operations only', () => {
    expect(paths['/function/products-get/{id}']!.get.security).toEqual([{ bearerAuth: [] }]);
    expect(paths['/function/products-get/{id}']!.get['x-required-role']).toBe('customer');
    expect(paths['/function/products-variant-delete/{id}/variants/{sku}']!.delete.security).toEqual([]);
  });

  it('describes body, path parameters (declared or derived) and headers', () => {
    const create = paths['/function/products-create']!.post;
    expect(create.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { type: 'object', required: ['name', 'priceCents'] } } },
    });
    const headerNames = create.parameters.filter((p: any) => p.in === 'header').map((p: any) => p.name);
    expect(headerNames.sort()).toEqual(['idempotency-key', 'x-tenant-hint']);
    expect(create.parameters.find((p: any) => p.name === 'idempotency-key').required).toBe(true);
    const derived = paths['/function/products-variant-delete/{id}/variants/{sku}']!.delete.parameters;
    expect(derived.map((p: any) => [p.name, p.in, p.required])).toEqual([
      ['id', 'path', true],
      ['sku', 'path', true],
    ]);
  });

  it('documents the success schema and problem+json for every error status', () => {
    const create = paths['/function/products-create']!.post.responses;
    expect(create['201'].content['application/json'].schema).toMatchObject({ type: 'object' });
    for (const status of ['400', '401', '403', '409', '413', '415', '422', '429', '500']) {
      expect(create[status].content['application/problem+json'].schema).toEqual(PROBLEM_REF);
    }
    const get = paths['/function/products-get/{id}']!.get.responses;
    expect(get['404'].content['application/problem+json'].schema).toEqual(PROBLEM_REF);
    const remove = paths['/function/products-variant-delete/{id}/variants/{sku}']!.delete.responses;
    expect(remove['204']).toEqual({ description: 'No Content' });
    expect(remove['401']).toBeUndefined();
    expect(remove['429']).toBeUndefined();
  });

  it('still carries the Problem component with no operation', () => {
    expect(generateOpenApi([]).components?.schemas?.Problem).toBeDefined();
  });
});

describe('helpers', () => {
  it('derive statuses from the middleware an operation gets', () => {
    expect(errorStatuses(createProduct)).toEqual([400, 401, 403, 409, 413, 415, 422, 429, 500]);
    expect(errorStatuses(variantDelete)).toEqual([400, 404, 500]);
  });
  it('name path parameters and function paths', () => {
    expect(pathParamNames('/{id}/variants/{sku}')).toEqual(['id', 'sku']);
    expect(functionPath('orders-create', {})).toBe('/function/orders-create');
  });
});

describe('renderDocs', () => {
  const html = renderDocs(generateOpenApi(entries, { title: 'Shop <API>' }));

  it('lists every operation with its method, path and schemas', () => {
    expect(html).toContain('<title>Shop &lt;API&gt;</title>');
    expect(html).toContain('<code>/function/products-get/{id}</code>');
    expect(html).toMatch(/class="method delete">DELETE/);
    expect(html).toContain('href="#schema-Problem"');
    expect(html).toContain('id="schema-Problem"');
  });

  it('is self-contained: no scripts, stylesheets or images fetched from anywhere', () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });
});
