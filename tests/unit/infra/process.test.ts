import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireLock,
  formatPidFile,
  isAlive,
  isRunning,
  parsePidFile,
  readPidFile,
  releaseLock,
  rotate,
  spawnDetached,
  stopProcess,
  waitFor,
  withLock,
} from '../../../infra/launcher/process';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launcher-process-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A pid that surely belongs to no process: one that has just exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('pid files', () => {
  it('round-trips pid and executable', () => {
    const text = formatPidFile({ pid: 42, executable: '/usr/bin/redis-server' });
    expect(text).toBe('42\n/usr/bin/redis-server\n');
    expect(parsePidFile(text)).toEqual({ pid: 42, executable: '/usr/bin/redis-server' });
  });

  it('reads a bare pid and rejects garbage', () => {
    expect(parsePidFile('123')).toEqual({ pid: 123, executable: '' });
    expect(parsePidFile('')).toBeUndefined();
    expect(parsePidFile('abc\n')).toBeUndefined();
    expect(parsePidFile('-4\n')).toBeUndefined();
    expect(readPidFile(path.join(dir, 'missing.pid'))).toBeUndefined();
  });

  it('tells a running process from a dead or reused pid', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(deadPid())).toBe(false);
    expect(isRunning({ pid: process.pid, executable: process.execPath })).toBe(true);
    expect(isRunning({ pid: process.pid, executable: '/usr/bin/definitely-not-this' })).toBe(false);
  });
});

describe('detached processes', () => {
  it('starts a process with its output in a log file and stops it with SIGTERM', async () => {
    const pidFile = path.join(dir, 'run', 'sleeper.pid');
    const logFile = path.join(dir, 'run', 'sleeper.log');
    const sh = '/bin/sh';
    const { pid } = spawnDetached({ file: sh, args: ['-c', "echo hel''lo; sleep 30"] }, pidFile, logFile);
    expect(readPidFile(pidFile)).toEqual({ pid, executable: sh });
    await waitFor(async () => expect(fs.readFileSync(logFile, 'utf8')).toContain('hello'), { timeoutMs: 5_000, what: 'log' });
    expect(isAlive(pid)).toBe(true);
    expect(await stopProcess(pidFile, 5_000)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(pidFile)).toBe(false);
    // the whole process group went, the shell's sleep included
    await waitFor(async () => expect(() => process.kill(-pid, 0)).toThrow(), { timeoutMs: 2_000, intervalMs: 20, what: 'group' });
    expect(await stopProcess(pidFile)).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const pidFile = path.join(dir, 'stubborn.pid');
    const { pid } = spawnDetached(
      { file: '/bin/sh', args: ['-c', "trap '' TERM; echo re''ady; while :; do sleep 0.1; done"] },
      pidFile,
      path.join(dir, 'stubborn.log'),
    );
    await waitFor(async () => expect(fs.readFileSync(path.join(dir, 'stubborn.log'), 'utf8')).toContain('ready'), {
      timeoutMs: 5_000,
      what: 'trap',
    });
    const t0 = Date.now();
    expect(await stopProcess(pidFile, 500)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(isAlive(pid)).toBe(false);
  });

  it('does not signal a pid that now runs something else', async () => {
    const pidFile = path.join(dir, 'reused.pid');
    fs.writeFileSync(pidFile, formatPidFile({ pid: process.pid, executable: '/opt/kafka/bin/java-that-is-gone' }));
    expect(await stopProcess(pidFile)).toBe(false);
    expect(fs.existsSync(pidFile)).toBe(false);
  });
});

describe('log rotation', () => {
  it('keeps one previous log once the log is too big', () => {
    const log = path.join(dir, 'x.log');
    rotate(log, 10);
    fs.writeFileSync(log, 'small');
    rotate(log, 10);
    expect(fs.readFileSync(log, 'utf8')).toBe('small');
    fs.writeFileSync(log, 'much too big');
    rotate(log, 10);
    expect(fs.existsSync(log)).toBe(false);
    expect(fs.readFileSync(`${log}.1`, 'utf8')).toBe('much too big');
  });
});

describe('lock files', () => {
  it('is exclusive and holds the owner pid', async () => {
    const lock = path.join(dir, 'a.lock');
    await acquireLock(lock);
    expect(readPidFile(lock)?.pid).toBe(process.pid);
    await expect(acquireLock(lock, { timeoutMs: 300, pollMs: 50 })).rejects.toThrow(/timed out waiting/);
    releaseLock(lock);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('serialises holders in one process', async () => {
    const lock = path.join(dir, 'b.lock');
    const order: string[] = [];
    const job = (name: string) =>
      withLock(
        lock,
        async () => {
          order.push(`${name}>`);
          await new Promise((r) => setTimeout(r, 50));
          order.push(`<${name}`);
        },
        { pollMs: 10 },
      );
    await Promise.all([job('x'), job('y'), job('z')]);
    expect(order.join(' ')).toMatch(/^(\w)> <\1 (\w)> <\2 (\w)> <\3$/);
  });

  it('takes over a lock whose owner died', async () => {
    const lock = path.join(dir, 'stale.lock');
    fs.writeFileSync(lock, formatPidFile({ pid: deadPid(), executable: '' }));
    await withLock(lock, async () => expect(readPidFile(lock)?.pid).toBe(process.pid), { timeoutMs: 1_000 });
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('waits for a lock without a pid while it is fresh, takes it over once old', async () => {
    const lock = path.join(dir, 'empty.lock');
    fs.writeFileSync(lock, '');
    await expect(acquireLock(lock, { timeoutMs: 300, pollMs: 50 })).rejects.toThrow(/timed out/);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    await acquireLock(lock, { timeoutMs: 300 });
    expect(readPidFile(lock)?.pid).toBe(process.pid);
    releaseLock(lock);
  });

  it('does not release a lock it does not own', () => {
    const lock = path.join(dir, 'other.lock');
    fs.writeFileSync(lock, formatPidFile({ pid: 1, executable: '' }));
    releaseLock(lock);
    expect(fs.existsSync(lock)).toBe(true);
  });
});

describe('waitFor', () => {
  it('resolves once the check passes', async () => {
    let n = 0;
    await waitFor(
      async () => {
        if (++n < 3) throw new Error('not yet');
      },
      { timeoutMs: 2_000, intervalMs: 10, what: 'thing' },
    );
    expect(n).toBe(3);
  });

  it('times out with the last error', async () => {
    await expect(
      waitFor(
        async () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 100, intervalMs: 20, what: 'kafka' },
      ),
    ).rejects.toThrow('kafka not ready after 0s: connection refused');
  });

  it('fails at once when the process is gone', async () => {
    const t0 = Date.now();
    await expect(
      waitFor(
        async () => {
          throw new Error('no');
        },
        { timeoutMs: 10_000, intervalMs: 20, alive: () => false, what: 'ferretdb' },
      ),
    ).rejects.toThrow('ferretdb exited before it was ready');
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
