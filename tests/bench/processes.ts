import { fork, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { TEMPLATE_INDEX } from '../support/template-server';

export const ROOT = path.resolve(__dirname, '../..');

/** Forks a TypeScript server under tsx and resolves with the port it reports over IPC. */
export const forkServer = (script: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> =>
  new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, script), [], {
      env: { ...process.env, ...env },
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 60_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve({ child, port: (message as { port: number }).port });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });

export const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });

export interface Reply {
  status: number;
  body: string;
}

export const request = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });

/**
 * Cold start: from spawning the template server with a bundle to the first answer of a
 * request that needs no backing store. Polls until the port answers.
 */
export const coldStart = async (handlerPath: string, port: number, probe: { method: string; path: string }): Promise<number> => {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [TEMPLATE_INDEX], {
    env: { ...process.env, HANDLER_PATH: handlerPath, http_port: String(port), LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        await request(`http://127.0.0.1:${port}${probe.path}`, { method: probe.method });
        return Number(process.hrtime.bigint() - started) / 1e6;
      } catch {
        if (child.exitCode !== null) throw new Error(`${handlerPath} exited during cold start`);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  } finally {
    await stop(child);
  }
};
