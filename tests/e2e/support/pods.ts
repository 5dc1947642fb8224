import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { bundlePath, coldStartEnvironment } from '../../../openfaas/gateway/functions';
import type { StackFunction } from '../../../triggers/stack';
import { freePort } from '../../support/ports';

const ROOT = path.resolve(__dirname, '../../..');
const TEMPLATE_INDEX = path.join(ROOT, 'openfaas', 'template', 'node20-middy', 'index.js');

const answers = async (url: string): Promise<boolean> => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
};

export interface Pod {
  name: string;
  /** The pod's base URL, the same across restarts (the gateway's upstream for the function). */
  url: string;
  start(): Promise<void>;
  /** SIGKILL, as an OOM kill or a node loss ends a pod: nothing in flight finishes. */
  kill(): Promise<void>;
}

/**
 * A function in a pod of its own: the template's server (index.js, as of-watchdog runs it) serving
 * the function's bundle, with the environment its cold start would get in the gateway. Tests put
 * the gateway in front (its `upstreams`) and kill the pod mid-request.
 */
export const startablePod = async (spec: StackFunction, env: NodeJS.ProcessEnv): Promise<Pod> => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(process.execPath, [TEMPLATE_INDEX], {
      env: {
        ...env,
        ...coldStartEnvironment(spec, env),
        http_port: String(port),
        metrics_port: '0',
        HANDLER_PATH: bundlePath(path.join(ROOT, 'dist'), spec.name),
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 20_000;
    while (!(await answers(`${url}/_/health`))) {
      if (child.exitCode !== null) throw new Error(`pod ${spec.name} exited ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`pod ${spec.name} did not become healthy`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return { name: spec.name, url, start, kill };
};
