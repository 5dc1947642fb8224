import { describe, expect, it } from 'vitest';
import { parseCallbackUrl, parseGoDuration, parseRoute, splitUrl } from '../../../openfaas/gateway/routes';

describe('parseRoute', () => {
  it.each([
    ['POST', '/function/orders-create', { kind: 'invoke', async: false, functionName: 'orders-create', path: '' }],
    ['GET', '/function/products-get/p-1', { kind: 'invoke', async: false, functionName: 'products-get', path: '/p-1' }],
    [
      'DELETE',
      '/function/products-variant-delete/p-1/variants/s-2',
      { kind: 'invoke', async: false, functionName: 'products-variant-delete', path: '/p-1/variants/s-2' },
    ],
    ['PUT', '/function/a/', { kind: 'invoke', async: false, functionName: 'a', path: '/' }],
    ['POST', '/async-function/audit-report', { kind: 'invoke', async: true, functionName: 'audit-report', path: '' }],
    ['POST', '/async-function/audit-report/x', { kind: 'invoke', async: true, functionName: 'audit-report', path: '/x' }],
  ])('%s %s is an invocation', (method, pathname, expected) => {
    expect(parseRoute(method, pathname)).toEqual(expected);
  });

  it.each([
    ['/system/functions', 'system-functions'],
    ['/system/functions/', 'system-functions'],
    ['/healthz', 'healthz'],
    ['/metrics', 'metrics'],
    ['/openapi.json', 'openapi'],
    ['/asyncapi.json', 'asyncapi'],
    ['/docs', 'docs'],
    ['/', 'root'],
  ])('GET %s is %s', (pathname, kind) => {
    expect(parseRoute('GET', pathname)).toEqual({ kind });
    expect(parseRoute('HEAD', pathname)).toEqual({ kind });
  });

  it.each([
    ['GET', '/function/'],
    ['GET', '/function/Bad_Name'],
    ['GET', '/function/-leading'],
    ['POST', '/system/functions'],
    ['GET', '/nope'],
    ['GET', '/functions/x'],
  ])('%s %s is unknown', (method, pathname) => {
    expect(parseRoute(method, pathname)).toEqual({ kind: 'unknown' });
  });
});

describe('splitUrl', () => {
  it('separates path and query', () => {
    expect(splitUrl('/function/a/b?x=1&y=2')).toEqual({ pathname: '/function/a/b', search: '?x=1&y=2' });
    expect(splitUrl(undefined)).toEqual({ pathname: '/', search: '' });
  });

  it('answers as the URL parser does, whether or not the path needs it', () => {
    for (const url of [
      '/function/products-get/0190a0a0-0000-7000-8000-000000000001',
      '/a/./b/../c',
      '/a/%2e%2e/b',
      '//host/x',
      '/a b',
      '/a\\b',
      '/ü',
      '/a#b',
      '/a?',
      '/',
    ]) {
      const parsed = new URL(url, 'http://gateway.local');
      expect(splitUrl(url)).toEqual({ pathname: parsed.pathname, search: parsed.search });
    }
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['2h', 7_200_000],
    ['60', 60_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([undefined, '', 'ten', '10x', '10s junk'])('%s is not a duration', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('parseCallbackUrl', () => {
  it('accepts absolute http(s) URLs only', () => {
    expect(parseCallbackUrl('http://127.0.0.1:9000/cb')?.href).toBe('http://127.0.0.1:9000/cb');
    expect(parseCallbackUrl('https://example.test/x')?.protocol).toBe('https:');
    expect(parseCallbackUrl('file:///etc/passwd')).toBeUndefined();
    expect(parseCallbackUrl('/relative')).toBeUndefined();
    expect(parseCallbackUrl(undefined)).toBeUndefined();
  });
});
