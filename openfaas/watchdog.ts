import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Finds the real of-watchdog binary: `OF_WATCHDOG_BIN`, or one built earlier into the cache,
 * or `go install` of the pinned commit (its tags have no `v`, so a commit pins it) into the
 * cache. Some module proxies refuse github.com/openfaas/*; then there is no binary and the
 * reason says why, for the caller to report (tests skip with it, never pass silently).
 */
export const OF_WATCHDOG_MODULE = 'github.com/openfaas/of-watchdog';
export const OF_WATCHDOG_COMMIT = '156453a0cc1343bccbc8958b2c367320f3abe23a';

export type WatchdogResolution = { bin: string; source: 'env' | 'cache' | 'go install' } | { bin?: undefined; reason: string };

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const watchdogCacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.join(env.MARKETPLACE_HOME || path.join(env.HOME || os.homedir(), '.cache', 'marketplace'), 'bin', `of-watchdog-${OF_WATCHDOG_COMMIT.slice(0, 12)}`);

export const resolveWatchdog = (env: NodeJS.ProcessEnv = process.env, installTimeoutMs = 180_000): WatchdogResolution => {
  if (env.OF_WATCHDOG_BIN) {
    return isExecutable(env.OF_WATCHDOG_BIN)
      ? { bin: env.OF_WATCHDOG_BIN, source: 'env' }
      : { reason: `OF_WATCHDOG_BIN=${env.OF_WATCHDOG_BIN} is not an executable file` };
  }
  const dir = watchdogCacheDir(env);
  const cached = path.join(dir, 'of-watchdog');
  if (isExecutable(cached)) return { bin: cached, source: 'cache' };
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) return { reason: 'neither OF_WATCHDOG_BIN nor a Go toolchain to build of-watchdog is available' };
  mkdirSync(dir, { recursive: true });
  const install = spawnSync('go', ['install', `${OF_WATCHDOG_MODULE}@${OF_WATCHDOG_COMMIT}`], {
    encoding: 'utf8',
    env: { ...env, GOBIN: dir },
    timeout: installTimeoutMs,
  });
  if (install.status === 0 && existsSync(cached)) return { bin: cached, source: 'go install' };
  const detail = (install.stderr || install.error?.message || '').trim().split('\n').slice(-2).join(' ');
  return { reason: `go install ${OF_WATCHDOG_MODULE}@${OF_WATCHDOG_COMMIT} failed: ${detail}` };
};
