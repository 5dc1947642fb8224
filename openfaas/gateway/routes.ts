/**
 * The gateway's routes, as OpenFaaS's gateway names them. Parsing is pure so it is tested
 * apart from the server.
 */
export type GatewayRoute =
  | { kind: 'invoke'; async: boolean; functionName: string; path: string }
  | { kind: 'system-functions' }
  | { kind: 'healthz' }
  | { kind: 'metrics' }
  | { kind: 'openapi' }
  | { kind: 'asyncapi' }
  | { kind: 'docs' }
  | { kind: 'root' }
  | { kind: 'unknown' };

/** OpenFaaS function names are DNS-1123 labels. */
export const FUNCTION_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const INVOKE = /^\/(function|async-function)\/([^/]+)(\/.*)?$/;

const SYSTEM_ROUTES: Record<string, GatewayRoute['kind']> = {
  '/system/functions': 'system-functions',
  '/healthz': 'healthz',
  '/metrics': 'metrics',
  '/openapi.json': 'openapi',
  '/asyncapi.json': 'asyncapi',
  '/docs': 'docs',
  '/': 'root',
};

/**
 * `/function/<name>[/<path>]` and `/async-function/<name>[/<path>]` for any method; the path
 * after the name is what the function sees ('' or '/…'). The system routes answer GET only.
 */
export const parseRoute = (method: string, pathname: string): GatewayRoute => {
  const invoke = INVOKE.exec(pathname);
  if (invoke) {
    const functionName = invoke[2]!;
    if (!FUNCTION_NAME.test(functionName)) return { kind: 'unknown' };
    return { kind: 'invoke', async: invoke[1] === 'async-function', functionName, path: invoke[3] ?? '' };
  }
  const system = SYSTEM_ROUTES[pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname];
  if (system && (method === 'GET' || method === 'HEAD')) return { kind: system } as GatewayRoute;
  return { kind: 'unknown' };
};

/**
 * A path the URL parser would return unchanged: no dot segments, escapes, backslashes or
 * characters it percent-encodes, and not `//…` (which it reads as a host).
 */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9_~!$&'()*+,;=:@/-]*$/;

/** Everything after the host: the path and the query string, for the function's own URL. */
export const splitUrl = (url: string | undefined): { pathname: string; search: string } => {
  if (url !== undefined && PLAIN_PATH.test(url)) return { pathname: url, search: '' };
  const parsed = new URL(url ?? '/', 'http://gateway.local');
  return { pathname: parsed.pathname, search: parsed.search };
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as the watchdog reads `exec_timeout` ('10s', '1m30s', '500ms') in milliseconds. */
export const parseGoDuration = (value: string | undefined): number | undefined => {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000; // the watchdog reads a bare number as seconds
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(DURATION_PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed += match[0].length;
  }
  return consumed === text.length && consumed > 0 ? Math.round(total) : undefined;
};

/** An async invocation's callback target: an absolute http(s) URL, or nothing. */
export const parseCallbackUrl = (value: string | undefined): URL | undefined => {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
};
