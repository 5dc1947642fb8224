import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSizeTable, isBuildStale, type BundleReport } from '../../../openfaas/build';
import type { StackFunction } from '../../../triggers/stack';

const report = (name: string, kb: number, packages: string[] = []): BundleReport => ({ name, dir: '', outfile: '', bytes: kb * 1024, packages });

describe('formatSizeTable', () => {
  it('lists bundles largest first with the total, and flags those over the limit', () => {
    const table = formatSizeTable([report('small', 10, ['zod']), report('large', 400, ['zod', 'jose'])], 300 * 1024).split('\n');
    expect(table[0]).toMatch(/^function\s+KB\s+npm packages$/);
    expect(table[1]).toMatch(/^large\s+400\.0\s+zod, jose\s+> 300\.0 KB limit$/);
    expect(table[2]).toMatch(/^small\s+10\.0\s+zod$/);
    expect(table[3]).toMatch(/^total\s+410\.0\s+2 bundles$/);
  });
});

describe('isBuildStale', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'build-stale-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const fn = { name: 'a-get', handler: './a.ts', labels: {}, annotations: {}, environment: {} } as StackFunction;
  const dir = path.join(root, 'dist', 'functions', 'a-get');
  const past = new Date(Date.now() - 60_000);

  it('is stale without a bundle, fresh after one, stale again when an input changes', () => {
    for (const file of ['stack.yml', 'package.json', 'a.ts']) writeFileSync(path.join(root, file), '');
    for (const file of ['stack.yml', 'package.json', 'a.ts']) utimesSync(path.join(root, file), past, past);
    expect(isBuildStale([fn], { rootDir: root })).toBe(true);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'metafile.json'), JSON.stringify({ inputs: { 'a.ts': {} }, outputs: {} }));
    writeFileSync(path.join(dir, 'handler.js'), '');
    expect(isBuildStale([fn], { rootDir: root })).toBe(false);
    writeFileSync(path.join(root, 'a.ts'), 'changed');
    utimesSync(path.join(root, 'a.ts'), new Date(Date.now() + 1000), new Date(Date.now() + 1000));
    expect(isBuildStale([fn], { rootDir: root })).toBe(true);
  });
});
