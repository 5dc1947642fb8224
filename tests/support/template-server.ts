import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './ports';

/** The node20-middy template's server, as of-watchdog runs it in a function's pod. */
export const TEMPLATE_INDEX = path.resolve(__dirname, '../../openfaas/template/node20-middy/index.js');

const healthy = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
};

/**
 * One bundle served by the template's server, as in its pod (one process, one module instance);
 * resolves once its health route answers. On `port` when given (a pod restarted at the address
 * the gateway forwards to), otherwise on a free one.
 */
export const startTemplate = async (
  handlerPath: string,
  env: Record<string, string | undefined>,
  options: { port?: number } = {},
): Promise<{ child: ChildProcess; port: number }> => {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [TEMPLATE_INDEX], {
    env: { ...process.env, ...env, HANDLER_PATH: handlerPath, http_port: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  while (!(await healthy(`http://127.0.0.1:${port}/_/health`))) {
    if (child.exitCode !== null) throw new Error(`${handlerPath} exited during start (${child.exitCode})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${handlerPath} did not start within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, port };
};
