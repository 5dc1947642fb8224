import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from './types';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// pid files: "<pid>\n<executable>\n". The executable lets `down` check that the pid still belongs
// to the process we started before signalling it (pids are reused).

export interface PidRecord {
  pid: number;
  executable: string;
}

export function formatPidFile(record: PidRecord): string {
  return `${record.pid}\n${record.executable}\n`;
}

export function parsePidFile(text: string): PidRecord | undefined {
  const [first, executable = ''] = text.split('\n');
  const pid = Number(first?.trim());
  return Number.isInteger(pid) && pid > 0 ? { pid, executable: executable.trim() } : undefined;
}

export function readPidFile(file: string): PidRecord | undefined {
  try {
    return parsePidFile(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid is alive and (where /proc tells) still runs the recorded executable. */
export function isRunning(record: PidRecord): boolean {
  if (!isAlive(record.pid)) return false;
  if (!record.executable) return true;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
  } catch {
    return true; // no procfs: trust the pid
  }
  // loose on purpose: some servers rewrite their title (redis: "/usr/bin/redis-server 127.0.0.1:6379");
  // a zombie (exited, not yet reaped) has an empty cmdline
  return cmdline.replace(/\0/g, ' ').includes(path.basename(record.executable));
}

// ---------------------------------------------------------------------------------------------
// detached processes

export interface Spawned {
  pid: number;
  logFile: string;
}

/**
 * Starts cmd in its own process group with stdout/stderr appended to logFile, writes pidFile and
 * returns without waiting: the process outlives the launcher.
 */
export function spawnDetached(cmd: Command, pidFile: string, logFile: string): Spawned {
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  rotate(logFile);
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} ${cmd.file} ${cmd.args.join(' ')}\n`);
  try {
    const child = spawn(cmd.file, cmd.args, {
      cwd: cmd.cwd,
      env: { ...process.env, ...cmd.env },
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${cmd.file} (see ${logFile})`);
    child.on('error', () => undefined); // reported through the health wait and the log instead
    child.unref();
    writeFileAtomic(pidFile, formatPidFile({ pid: child.pid, executable: cmd.file }));
    return { pid: child.pid, logFile };
  } finally {
    fs.closeSync(out);
  }
}

/** Keeps one previous log (`.1`) once a log passes maxBytes; checked at each start. */
export function rotate(logFile: string, maxBytes = 32 * 1024 * 1024) {
  try {
    if (fs.statSync(logFile).size > maxBytes) fs.renameSync(logFile, `${logFile}.1`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL. Resolves true when something was stopped. */
export async function stopProcess(pidFile: string, graceMs = 15_000): Promise<boolean> {
  const record = readPidFile(pidFile);
  if (!record) return false;
  let stopped = false;
  if (isRunning(record)) {
    signal(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(record.pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(record.pid)) signal(record.pid, 'SIGKILL');
    while (isAlive(record.pid) && Date.now() < deadline + 5_000) await sleep(100);
    stopped = true;
  }
  fs.rmSync(pidFile, { force: true });
  return stopped;
}

/** Signals the process group the detached process leads (its helpers too), else the process alone. */
function signal(pid: number, sig: NodeJS.Signals) {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

export function writeFileAtomic(file: string, content: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// lock files: created with O_EXCL ('wx') and holding the owner's pid. A lock whose owner is dead is
// stale and taken over; a live owner (this process included) is waited for.

export interface LockOptions {
  timeoutMs?: number;
  pollMs?: number;
}

export async function withLock<T>(lockFile: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  await acquireLock(lockFile, opts);
  try {
    return await fn();
  } finally {
    releaseLock(lockFile);
  }
}

export async function acquireLock(lockFile: string, { timeoutMs = 15 * 60_000, pollMs = 200 }: LockOptions = {}) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryLock(lockFile)) return;
    const owner = readPidFile(lockFile);
    if (owner ? !isAlive(owner.pid) : isOlderThan(lockFile, 5_000)) {
      breakStaleLock(lockFile, owner?.pid);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${lockFile} (held by pid ${owner?.pid ?? '?'})`);
    }
    await sleep(pollMs);
  }
}

export function releaseLock(lockFile: string) {
  const owner = readPidFile(lockFile);
  if (owner?.pid === process.pid) fs.rmSync(lockFile, { force: true });
}

function tryLock(lockFile: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockFile, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, formatPidFile({ pid: process.pid, executable: '' }));
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Moves the stale lock aside (rename is atomic, so of two breakers only one gets the file) and
 * checks that what it moved is the stale lock it saw, not a lock someone took meanwhile.
 */
function breakStaleLock(lockFile: string, stalePid: number | undefined) {
  const aside = `${lockFile}.stale.${process.pid}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readPidFile(aside);
  if (moved && moved.pid !== stalePid && isAlive(moved.pid)) {
    // a live lock taken between our read and rename: put it back unless another exists now
    try {
      fs.linkSync(aside, lockFile);
    } catch {
      // a third process locked in between; it owns the lock now
    }
  }
  fs.rmSync(aside, { force: true });
}

/** A lock without a pid is being written right now, or its owner died in between open and write. */
function isOlderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// readiness

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** polled alongside; when it turns false the wait fails at once */
  alive?: () => boolean;
  what: string;
}

export async function waitFor(check: () => Promise<unknown>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      last = err;
    }
    if (opts.alive && !opts.alive()) throw new Error(`${opts.what} exited before it was ready`);
    if (Date.now() > deadline) {
      throw new Error(`${opts.what} not ready after ${Math.round(opts.timeoutMs / 1000)}s: ${errorText(last)}`);
    }
    await sleep(opts.intervalMs ?? 500);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
