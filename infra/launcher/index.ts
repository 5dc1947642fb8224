import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, resolveService, selectServices } from './config';
import { CONTAINER_IMAGES, dockerAvailable, removeContainers, startContainer } from './containers';
import { ferretdb } from './ferretdb';
import { kafka } from './kafka';
import { errorText, isRunning, readPidFile, spawnDetached, stopProcess, tail, waitFor, withLock, writeFileAtomic } from './process';
import { prometheus } from './prometheus';
import { redis } from './redis';
import { formatTable } from './report';
import { stripeMock } from './stripe-mock';
import type { LauncherConfig, ServiceDefinition, ServiceName, ServiceReport, ServiceState, ServiceUrls } from './types';

export type { ServiceName, ServiceReport, ServiceUrls } from './types';

export const SERVICES: readonly ServiceDefinition[] = [kafka, ferretdb, redis, stripeMock, prometheus];

export interface EnsureOptions {
  /** restrict which services are started; the others are only resolved (env or default URL) */
  only?: ServiceName[];
  /** print nothing but warnings and errors */
  quiet?: boolean;
}

export type LaunchMode = 'native' | 'containers';

export interface LaunchResult {
  urls: ServiceUrls;
  reports: ServiceReport[];
  mode: LaunchMode;
  seconds: number;
}

export class LaunchError extends Error {
  constructor(
    message: string,
    readonly reports: ServiceReport[],
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

/** Makes the backing services answer and resolves their URLs; see infra/launcher/README.md. */
export async function ensureServices(opts: EnsureOptions = {}): Promise<ServiceUrls> {
  const result = await launch(opts);
  if (!opts.quiet) process.stderr.write(`${formatTable(result.reports)}\n`);
  return result.urls;
}

export async function launch(opts: EnsureOptions = {}): Promise<LaunchResult> {
  const started = Date.now();
  const config = loadConfig();
  const selected = new Set(selectServices(opts.only));
  fs.mkdirSync(config.runDir, { recursive: true });
  const mode: LaunchMode = (await dockerAvailable()) ? 'containers' : 'native';

  const order = installOrder(SERVICES.filter((d) => d.required && selected.has(d.name)).length);
  const reports = await Promise.all(SERVICES.map((def) => ensureOne(def, config, { selected: selected.has(def.name), mode, order })));

  for (const r of reports) {
    if (r.state === 'failed' && !byName(r.name).required) {
      process.stderr.write(`warning: ${r.name} (${r.title}) is not available, continuing without it: ${firstLine(r.error)}\n`);
    }
  }
  const fatal = reports.filter((r) => r.state === 'failed' && byName(r.name).required);
  if (fatal.length > 0) {
    const detail = fatal.map((r) => `- ${r.name} (${r.title}) at ${r.url}: ${r.error}`).join('\n');
    throw new LaunchError(`required backing services did not come up:\n${detail}`, reports);
  }

  const urls = collectUrls(reports);
  writeFileAtomic(servicesJson(config), `${JSON.stringify(urls, null, 2)}\n`);
  return { urls, reports, mode, seconds: (Date.now() - started) / 1000 };
}

/** Stops what the launcher started (pid files, containers by label); caches and data stay. */
export async function stopServices(): Promise<ServiceName[]> {
  const config = loadConfig();
  const stopped = await Promise.all(
    SERVICES.map(async (def) => {
      const { pidFile, lockFile } = runFiles(config, def);
      const was = await withLock(lockFile, () => stopProcess(pidFile));
      return was ? def.name : undefined;
    }),
  );
  const containers = await removeContainers();
  fs.rmSync(servicesJson(config), { force: true });
  return [...new Set([...stopped, ...containers])].filter((n): n is ServiceName => n !== undefined);
}

export interface StatusRow {
  name: ServiceName;
  title: string;
  url: string;
  external: boolean;
  pid?: number;
  healthy: boolean;
}

export async function statusServices(): Promise<StatusRow[]> {
  const config = loadConfig();
  return Promise.all(
    SERVICES.map(async (def) => {
      const { url, external } = resolveService(def, config);
      const record = readPidFile(runFiles(config, def).pidFile);
      return {
        name: def.name,
        title: def.title,
        url,
        external,
        pid: record && isRunning(record) ? record.pid : undefined,
        healthy: await healthy(def, url),
      };
    }),
  );
}

export function servicesJson(config: LauncherConfig = loadConfig()): string {
  return path.join(config.runDir, 'services.json');
}

// ---------------------------------------------------------------------------------------------

/**
 * Optional services install after the required ones have: on 2 cores the Go builds run one at a
 * time (go.lock), and a cold start should not keep FerretDB waiting behind stripe-mock.
 */
function installOrder(required: number) {
  let open!: () => void;
  const requiredInstalled = new Promise<void>((resolve) => {
    open = resolve;
  });
  let pending = required;
  if (pending === 0) open();
  return {
    requiredInstalled,
    /** returns the callback a required service calls (at most once counts) when its install is done */
    done() {
      let called = false;
      return () => {
        if (called) return;
        called = true;
        if (--pending === 0) open();
      };
    },
  };
}

type InstallOrder = ReturnType<typeof installOrder>;

async function ensureOne(
  def: ServiceDefinition,
  config: LauncherConfig,
  { selected, mode, order }: { selected: boolean; mode: LaunchMode; order: InstallOrder },
): Promise<ServiceReport> {
  const t0 = Date.now();
  const { url, external } = resolveService(def, config);
  const image = mode === 'containers' ? CONTAINER_IMAGES[def.name] : undefined;
  const report = (state: ServiceState, error?: string): ServiceReport => ({
    name: def.name,
    title: external ? def.envVar : (image ?? def.title),
    url,
    state,
    seconds: (Date.now() - t0) / 1000,
    ...(error === undefined ? {} : { error }),
  });
  if (!selected) return report('skipped');
  const installed = def.required ? order.done() : () => undefined;
  const beforeInstall = def.required ? Promise.resolve() : order.requiredInstalled;
  try {
    if (external) {
      await waitFor(() => def.probe(url), { timeoutMs: 15_000, what: `${def.envVar}=${url}` });
      return report('external');
    }
    if (await healthy(def, url)) return report('reused');
    const state = image ? await startInContainer(def, config, url) : await startNative(def, config, url, { beforeInstall, installed });
    return report(state);
  } catch (err) {
    return report('failed', errorText(err));
  } finally {
    installed();
  }
}

async function startNative(
  def: ServiceDefinition,
  config: LauncherConfig,
  url: string,
  hooks: { beforeInstall: Promise<void>; installed: () => void },
): Promise<ServiceState> {
  const { pidFile, logFile, lockFile } = runFiles(config, def);
  return withLock(lockFile, async () => {
    // another launcher may have started it while we waited for the lock
    if (await healthy(def, url)) return 'reused';
    const previous = readPidFile(pidFile);
    if (previous && isRunning(previous)) {
      // ours but not answering yet: an interrupted launcher left it starting, give it its start time
      try {
        await waitFor(() => def.probe(url), { timeoutMs: def.startTimeoutMs, alive: () => isRunning(previous), what: def.title });
        return 'reused';
      } catch {
        await stopProcess(pidFile);
      }
    }
    await hooks.beforeInstall;
    await def.install(config);
    hooks.installed();
    const cmd = await def.prepare(config);
    const child = spawnDetached(cmd, pidFile, logFile);
    const record = { pid: child.pid, executable: cmd.file };
    try {
      await waitFor(() => def.probe(url), { timeoutMs: def.startTimeoutMs, alive: () => isRunning(record), what: def.title });
    } catch (err) {
      await stopProcess(pidFile, 5_000);
      throw new Error(`${errorText(err)}\n--- last lines of ${logFile}:\n${tail(logFile)}`, { cause: err });
    }
    return 'started';
  });
}

async function startInContainer(def: ServiceDefinition, config: LauncherConfig, url: string): Promise<ServiceState> {
  await withLock(runFiles(config, def).lockFile, () => startContainer(def.name, config));
  await waitFor(() => def.probe(url), { timeoutMs: def.startTimeoutMs, what: `${def.title} container` });
  return 'started';
}

async function healthy(def: ServiceDefinition, url: string): Promise<boolean> {
  try {
    await def.probe(url);
    return true;
  } catch {
    return false;
  }
}

function runFiles(config: LauncherConfig, def: ServiceDefinition) {
  return {
    pidFile: path.join(config.runDir, `${def.name}.pid`),
    logFile: path.join(config.runDir, `${def.name}.log`),
    lockFile: path.join(config.runDir, `${def.name}.lock`),
  };
}

function byName(name: ServiceName): ServiceDefinition {
  return SERVICES.find((d) => d.name === name)!;
}

const AVAILABLE: readonly ServiceState[] = ['reused', 'started', 'external'];

/** Required services always get a URL (a skipped one keeps its env or default); optional ones only when up. */
export function collectUrls(reports: readonly ServiceReport[]): ServiceUrls {
  const urls: Partial<ServiceUrls> = {};
  for (const r of reports) {
    const def = byName(r.name);
    if (def.required || AVAILABLE.includes(r.state)) urls[def.key] = r.url;
  }
  return urls as ServiceUrls;
}

function firstLine(text = ''): string {
  return text.split('\n')[0] ?? '';
}
