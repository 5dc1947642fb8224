import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { functionManifest, importedPackages, packageNameOf, pruneLockfile, type Lockfile } from '../../../openfaas/packages';

describe('packageNameOf', () => {
  it.each([
    ['zod', 'zod'],
    ['zod/v4/core', 'zod'],
    ['@middy/core', '@middy/core'],
    ['@opentelemetry/sdk-trace-base/build/src', '@opentelemetry/sdk-trace-base'],
    ['node:crypto', undefined],
    ['crypto', undefined],
    ['fs/promises', undefined],
    ['./local', undefined],
  ])('%s → %s', (specifier, name) => {
    expect(packageNameOf(specifier)).toBe(name);
  });
});

describe('importedPackages', () => {
  it('lists the external npm packages of one output', () => {
    const metafile = {
      inputs: {},
      outputs: {
        'dist/functions/a/handler.js': {
          bytes: 1,
          inputs: {},
          exports: [],
          imports: [
            { path: 'zod', kind: 'require-call', external: true },
            { path: 'zod/v4', kind: 'require-call', external: true },
            { path: '@middy/core', kind: 'import-statement', external: true },
            { path: 'node:http', kind: 'require-call', external: true },
            { path: 'layers/x.ts', kind: 'import-statement' },
          ],
        },
        'dist/functions/a/handler.js.map': { bytes: 1, inputs: {}, exports: [], imports: [{ path: 'jose', kind: 'require-call', external: true }] },
      },
    } as unknown as Metafile;
    expect(importedPackages(metafile, 'dist/functions/a/handler.js')).toEqual(['@middy/core', 'zod']);
    expect(() => importedPackages(metafile, 'dist/functions/b/handler.js')).toThrow(/no output/);
  });
});

describe('functionManifest', () => {
  const root = { name: 'shop', version: '1.0.0', dependencies: { zod: '4.6.7', jose: '6.2.18' }, devDependencies: { vitest: '3.2.4' } };

  it('pins the root versions of the packages the bundle imports', () => {
    expect(functionManifest('orders-get', ['zod'], root)).toEqual({
      name: 'shop-orders-get',
      version: '1.0.0',
      private: true,
      description: expect.any(String),
      dependencies: { zod: '4.6.7' },
    });
  });

  it('refuses packages that are not runtime dependencies of the root', () => {
    expect(() => functionManifest('orders-get', ['vitest', 'left-pad'], root)).toThrow(/orders-get imports vitest, left-pad/);
  });
});

describe('pruneLockfile', () => {
  const lock: Lockfile = {
    name: 'shop',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'shop', dependencies: { a: '1', c: '1' }, devDependencies: { dev: '1' } },
      'node_modules/a': { version: '1.0.0', dependencies: { b: '^2' }, optionalDependencies: { gone: '1' }, peerDependencies: { p: '1' } },
      'node_modules/a/node_modules/b': { version: '2.0.0', dependencies: { shared: '1' } },
      'node_modules/b': { version: '1.0.0' },
      'node_modules/shared': { version: '1.0.0', devOptional: true },
      'node_modules/p': { version: '1.0.0', dev: true },
      'node_modules/c': { version: '1.0.0' },
      'node_modules/dev': { version: '1.0.0', dev: true },
    },
  };

  it('keeps the closure of the dependencies at their locations, as runtime packages', () => {
    const manifest = functionManifest('fn', ['a'], { name: 'shop', version: '1.0.0', dependencies: { a: '1' } });
    expect(pruneLockfile(lock, manifest)).toEqual({
      name: 'shop-fn',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'shop-fn', version: '1.0.0', dependencies: { a: '1' } },
        'node_modules/a': lock.packages['node_modules/a'],
        'node_modules/a/node_modules/b': lock.packages['node_modules/a/node_modules/b'],
        'node_modules/p': { version: '1.0.0' },
        'node_modules/shared': { version: '1.0.0', optional: true },
      },
    });
  });

  it('fails when a required package is missing from the lock', () => {
    const manifest = functionManifest('fn', ['zzz'], { dependencies: { zzz: '1' } });
    expect(() => pruneLockfile(lock, manifest)).toThrow(/no zzz/);
  });
});
