import { ensureCommand, run } from '../../infra/launcher/install';
import { loadConfig } from '../../infra/launcher/config';

/**
 * HTTP load with wrk (Debian's package): one thread, a fixed number of keep-alive
 * connections, latency percentiles in microseconds. autocannon reports whole milliseconds,
 * too coarse for a sub-millisecond baseline.
 */
export interface LoadResult {
  p50: number;
  p99: number;
  rps: number;
}

// Microseconds per unit: integer arithmetic first, one division last, so 412us is exactly 0.412 ms.
const MICROS: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000 };

export const parseLatency = (text: string): number => {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!match) throw new Error(`unreadable wrk latency: ${text}`);
  return (Number(match[1]) * MICROS[match[2]!]!) / 1000;
};

export const parseWrk = (output: string): LoadResult & { non2xx: number; errors: number } => {
  const percentile = (p: string) => parseLatency(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output)?.[1] ?? 'NaNms');
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { p50: percentile('50'), p99: percentile('99'), rps, non2xx, errors };
};

export const ensureWrk = (): Promise<string> => ensureCommand(loadConfig(), 'wrk', 'wrk');

export const wrk = async (
  binary: string,
  url: string,
  headers: Record<string, string>,
  opts: { connections: number; seconds: number; /** A wrk Lua script (e.g. one that sets headers per request). */ script?: string },
): Promise<LoadResult> => {
  const args = [
    '-t1',
    `-c${opts.connections}`,
    `-d${opts.seconds}s`,
    '--latency',
    ...(opts.script ? ['-s', opts.script] : []),
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url,
  ];
  const result = parseWrk(await run(binary, args));
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} socket errors under load`);
  return result;
};
