import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildAll, type BuildResult } from '../../../openfaas/build';
import { REPO_ROOT } from '../../../openfaas/paths';

/**
 * Fixture functions built by the real bundler into a temporary dist. The folder lives under the
 * repository's .local/ so that the bundles resolve their npm packages from its node_modules,
 * as dist/ does.
 */
export const FIXTURES = path.join(__dirname, 'fixtures');
export { TEMPLATE_INDEX } from '../../support/template-server';

export interface FixtureFunction {
  source: string;
  environment?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const FIXTURE_FUNCTIONS: Record<string, FixtureFunction> = {
  'fixture-echo': { source: 'echo.ts', environment: { FIXTURE_GREETING: 'hello from stack.yml', exec_timeout: '5s' } },
  'fixture-echo-twin': { source: 'echo.ts' },
  'fixture-boom': { source: 'boom.ts' },
  'fixture-slow': { source: 'slow.ts', environment: { exec_timeout: '200ms' } },
  'fixture-broken': { source: 'broken.ts' },
  'fixture-secure': { source: 'secure.ts' },
  'fixture-consumer': { source: 'consumer.ts', annotations: { topic: 'fixtures.thing.happened' } },
};

export interface Fixtures {
  dir: string;
  stackPath: string;
  distDir: string;
  build: BuildResult;
  handlerOf(name: string): string;
  cleanup(): void;
}

export const buildFixtures = async (): Promise<Fixtures> => {
  mkdirSync(path.join(REPO_ROOT, '.local'), { recursive: true });
  const dir = mkdtempSync(path.join(REPO_ROOT, '.local', 'openfaas-test-'));
  const stackPath = path.join(dir, 'stack.yml');
  const distDir = path.join(dir, 'dist');
  const functions = Object.fromEntries(
    Object.entries(FIXTURE_FUNCTIONS).map(([name, fn]) => [
      name,
      {
        lang: 'node20-middy',
        handler: path.join(FIXTURES, fn.source),
        image: `fixtures/${name}:test`,
        labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '2' },
        annotations: fn.annotations ?? {},
        environment: fn.environment ?? {},
      },
    ]),
  );
  writeFileSync(stackPath, stringify({ version: '1.0', provider: { name: 'openfaas' }, functions }));
  const build = await buildAll({ stackPath, outDir: distDir });
  return {
    dir,
    stackPath,
    distDir,
    build,
    handlerOf: (name) => path.join(distDir, name === 'hello' ? 'hello' : path.join('functions', name), 'handler.js'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
};

export { freePort } from '../../support/ports';

/** Polls `url` until `accept(response)`: by default a 2xx. */
export const waitForHttp = async (url: string, timeoutMs = 10_000, accept = (response: Response) => response.ok): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (accept(response)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

export interface Started {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (null when ended by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** With `group`, the process leads its own process group and stop() signals the whole group (its children too). */
export const startProcess = (file: string, args: string[], env: Record<string, string>, { group = false } = {}): Started => {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        if (group && child.pid) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      }
      return exited;
    },
  };
};

/** Waits until `ready` passes; otherwise stops the process and fails with what it printed. */
export const readyOrStopped = async (started: Started, url: string, ready: () => Promise<void>): Promise<{ url: string; process: Started }> => {
  try {
    await ready();
  } catch (error) {
    await started.stop();
    throw new Error(`${(error as Error).message}\n${started.output()}`, { cause: error });
  }
  return { url, process: started };
};

/** The lifecycle both process suites share: fixtures built once, every started process stopped at the end. */
export const fixtureProcesses = () => {
  const running: { process: Started }[] = [];
  let built: Fixtures | undefined;
  return {
    get fixtures(): Fixtures {
      if (!built) throw new Error('fixtures are built in beforeAll');
      return built;
    },
    track: <T extends { process: Started }>(started: T): T => {
      running.push(started);
      return started;
    },
    setup: async () => {
      built = await buildFixtures();
    },
    teardown: async () => {
      await Promise.all(running.map((started) => started.process.stop()));
      built?.cleanup();
    },
  };
};
