import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { bundlePath, coldStartEnvironment } from '../../../openfaas/gateway/functions';
import type { StackFunction } from '../../../triggers/stack';
import { freePort } from '../../support/ports';
import { startTemplate } from '../../support/template-server';

const DIST = path.resolve(__dirname, '../../../dist');

export interface Pod {
  name: string;
  /** The pod's base URL, the same across restarts (the gateway's upstream for the function). */
  url: string;
  start(): Promise<void>;
  /** SIGKILL, as an OOM kill or a node loss ends a pod: nothing in flight finishes. */
  kill(): Promise<void>;
}

/**
 * A function in a pod of its own: the template's server (as of-watchdog runs it) serving the
 * function's bundle, with the environment its cold start would get in the gateway. Tests put
 * the gateway in front (its `upstreams`) and kill the pod mid-request.
 */
export const startablePod = async (spec: StackFunction, env: NodeJS.ProcessEnv): Promise<Pod> => {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const environment = { ...env, ...coldStartEnvironment(spec, env), metrics_port: '0', LOG_LEVEL: 'silent' };
    ({ child } = await startTemplate(bundlePath(DIST, spec.name), environment, { port }));
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return { name: spec.name, url: `http://127.0.0.1:${port}`, start, kill };
};
