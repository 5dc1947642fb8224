import { createRequire } from 'node:module';
import path from 'node:path';
import type { HttpOperation } from '../../layers/http/define';
import { resolveHandler, type FunctionHandler } from '../template/node20-middy/adapter';
import type { StackFunction } from '../../triggers/stack';
import type { OperationEntry } from './openapi';
import { parseGoDuration } from './routes';

/**
 * The functions the gateway serves: each from its own bundle, required once (its own module
 * instance: own config, connections, caches), as each would run in its own pod.
 *
 * Environment. All bundles share one process, so one `process.env`. While a bundle is
 * required (its cold start, where config is parsed once) the environment is overlaid with
 * the function's stack.yml `environment` plus FUNCTION_NAME and SERVICE_NAME; variables
 * already set in the gateway's environment win (locally the operator's URLs override the
 * stack file). The overlay is removed afterwards, so what a function reads later, lazily,
 * is the shared environment. The watchdog's own variables (exec_timeout, ...) are not
 * applied: the gateway reads exec_timeout as the function's invocation timeout.
 */
export interface LoadedFunction {
  spec: StackFunction;
  /** Absent when the bundle could not be loaded; see `loadError`. */
  handler?: FunctionHandler;
  /** The HTTP operation the function describes, if it is an HTTP function. */
  operation?: HttpOperation;
  /** What an event consumer or scheduled function says about itself. */
  consumer?: unknown;
  loadError?: string;
  timeoutMs: number;
  invocationCount: number;
}

export type FunctionTable = Map<string, LoadedFunction>;

export const WATCHDOG_VARIABLES = ['exec_timeout', 'read_timeout', 'write_timeout', 'healthcheck_interval', 'max_inflight', 'upstream_url', 'mode', 'fprocess'];
export const DEFAULT_TIMEOUT_MS = 10_000;

export const bundlePath = (distDir: string, name: string): string => path.join(distDir, 'functions', name, 'handler.js');

export const isHttpOperation = (value: unknown): value is HttpOperation => {
  if (!value || typeof value !== 'object') return false;
  const candidate = value as Partial<HttpOperation>;
  return typeof candidate.method === 'string' && typeof candidate.response === 'object' && candidate.response !== null;
};

/** The variables a function's cold start sees on top of the shared environment. */
export const coldStartEnvironment = (spec: StackFunction, env: NodeJS.ProcessEnv): Record<string, string> => {
  const overlay: Record<string, string> = {
    ...spec.environment,
    FUNCTION_NAME: spec.name,
    SERVICE_NAME: spec.name.split('-')[0]!,
  };
  for (const key of Object.keys(overlay)) {
    if (WATCHDOG_VARIABLES.includes(key) || env[key] !== undefined) delete overlay[key];
  }
  return overlay;
};

const withEnvironment = <T>(overlay: Record<string, string>, fn: () => T): T => {
  Object.assign(process.env, overlay);
  try {
    return fn();
  } finally {
    for (const key of Object.keys(overlay)) delete process.env[key];
  }
};

const requireFresh = createRequire(__filename);

export const loadFunction = (spec: StackFunction, distDir: string): LoadedFunction => {
  const timeoutMs = parseGoDuration(spec.environment.exec_timeout) ?? DEFAULT_TIMEOUT_MS;
  const base = { spec, timeoutMs, invocationCount: 0 };
  try {
    const mod: unknown = withEnvironment(coldStartEnvironment(spec, process.env), () => requireFresh(bundlePath(distDir, spec.name)));
    const handler = resolveHandler(mod);
    const described = (handler as { operation?: unknown }).operation;
    const consumer = (handler as { consumer?: unknown }).consumer;
    return {
      ...base,
      handler,
      ...(isHttpOperation(described) ? { operation: described } : {}),
      ...(consumer !== undefined ? { consumer } : {}),
    };
  } catch (error) {
    return { ...base, loadError: error instanceof Error ? error.message : String(error) };
  }
};

export const loadFunctions = (specs: StackFunction[], distDir: string): FunctionTable => new Map(specs.map((spec) => [spec.name, loadFunction(spec, distDir)]));

/** The HTTP operations of every loaded function, for OpenAPI. */
export const operationEntries = (table: FunctionTable): OperationEntry[] =>
  [...table.values()].flatMap((fn) => (fn.operation ? [{ functionName: fn.spec.name, operation: fn.operation }] : []));

/** `GET /system/functions`, shaped like OpenFaaS's FunctionStatus. */
export const functionStatus = (fn: LoadedFunction) => ({
  name: fn.spec.name,
  image: fn.spec.image ?? '',
  namespace: 'openfaas-fn',
  envProcess: 'node index.js',
  invocationCount: fn.invocationCount,
  replicas: fn.handler ? 1 : 0,
  availableReplicas: fn.handler ? 1 : 0,
  labels: fn.spec.labels,
  annotations: fn.spec.annotations,
  ...(fn.loadError ? { error: fn.loadError } : {}),
});
