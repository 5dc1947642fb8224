import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFiles, hashOf, isFresh, run, which, writeStamp } from '../../../infra/launcher/install';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-install-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('install helpers', () => {
  it('finds executables on PATH only', () => {
    fs.writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'data'), 'x', { mode: 0o644 });
    expect(which('tool', `/nonexistent:${dir}`)).toBe(path.join(dir, 'tool'));
    expect(which('data', dir)).toBeUndefined();
    expect(which('sh')).toMatch(/\/sh$/);
  });

  it('stamps an artefact with the hash of its inputs', () => {
    const a = path.join(dir, 'main.go');
    fs.writeFileSync(a, 'package main');
    const artefact = path.join(dir, 'bin');
    const stamp = `${artefact}.sha256`;
    const digest = hashFiles([a]);
    expect(digest).toBe(hashOf('package main'));
    expect(isFresh(stamp, digest, artefact)).toBe(false);
    fs.writeFileSync(artefact, 'binary');
    writeStamp(stamp, digest);
    expect(isFresh(stamp, digest, artefact)).toBe(true);
    fs.writeFileSync(a, 'package main // changed');
    expect(isFresh(stamp, hashFiles([a]), artefact)).toBe(false);
    fs.rmSync(artefact);
    expect(isFresh(stamp, digest, artefact)).toBe(false);
  });

  it('keeps part boundaries in hashes', () => {
    expect(hashOf('ab', 'c')).not.toBe(hashOf('a', 'bc'));
  });

  it('runs a command and reports its output tail on failure', async () => {
    expect(await run('/bin/sh', ['-c', 'echo out; echo err >&2'])).toContain('out');
    await expect(run('/bin/sh', ['-c', 'echo something broke >&2; exit 3'])).rejects.toThrow(/exit 3\)\nsomething broke/);
  });
});
