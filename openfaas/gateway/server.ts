import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError, BadRequestError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError } from '../../layers/errors';
import { problemResponse } from '../../layers/http/problem';
import { createLogger } from '../../layers/logger';
import { collectProcessMetrics, registry } from '../../layers/metrics';
import { EMPTY_BODY, hasBody, invokeHandler, makeEvent, readBody, writeReply, type FunctionEvent, type Reply } from '../template/node20-middy/adapter';
import { asyncApiDocument } from '../../triggers/asyncapi';
import { loadStack, stackFunctions } from '../../triggers/stack';
import { REPO_ROOT } from '../paths';
import { deliverCallback } from './callback';
import { DEFAULT_DEV_KEYS_PATH, provideDevJwks } from './dev-keys';
import { renderDocs } from './docs';
import { functionStatus, loadFunctions, operationEntries, type FunctionTable, type LoadedFunction } from './functions';
import { gatewayMetrics, recordInvocation } from './metrics';
import { generateOpenApi, type OpenApiDocument } from './openapi';
import { forwardToPod } from './upstream';
import { parseCallbackUrl, parseRoute, splitUrl, type GatewayRoute } from './routes';

/**
 * The local OpenFaaS gateway: every stack.yml function from its own bundle, behind the
 * routes of OpenFaaS's gateway, plus the API documents generated from the functions.
 * Async invocations run in this process (OpenFaaS queues them in NATS) and report to
 * `X-Callback-Url`.
 */
export interface GatewayOptions {
  /** Default GATEWAY_PORT or 8080; 0 picks a free port. */
  port?: number;
  host?: string;
  /** The repository root; other paths are resolved against it. */
  rootDir?: string;
  stackPath?: string;
  /** Where `npm run build` wrote the bundles (dist). */
  distDir?: string;
  /** Largest request body accepted (MAX_REQUEST_BYTES or 1 MiB); larger ones get a 413 problem. */
  maxBodyBytes?: number;
  /** The dev signing key whose public half becomes JWKS when none is configured; false for none. */
  devKeysPath?: string | false;
  callbackTimeoutMs?: number;
  /** `/asyncapi.json`: the event catalogue's document for this stack by default; false for none. */
  asyncApi?: (() => unknown) | false;
  logger?: Logger;
  /** Extra read-only JSON routes (GET), by exact path, e.g. `/dev/mailbox` from `npm start` (dev-mailbox.ts). */
  extraRoutes?: Record<string, () => unknown>;
  /**
   * Functions served by pods of their own (function name → the pod's base URL): their invocations
   * are forwarded there (upstream.ts) instead of run in this process, e.g. to kill one mid-request.
   */
  upstreams?: Record<string, string>;
}

export interface Gateway {
  url: string;
  port: number;
  functions: FunctionTable;
  /** Stops accepting, waits for in-flight async invocations (up to `graceMs`), closes. */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

interface GatewayState {
  functions: FunctionTable;
  maxBodyBytes: number;
  callbackTimeoutMs: number;
  log: Logger;
  /** Async invocations not yet settled, awaited on close. */
  pending: Set<Promise<void>>;
  /** Per function, what logs an error it threw: made once, not on every invocation. */
  failureLogs: Map<string, (error: unknown) => void>;
  openapi: () => OpenApiDocument;
  asyncApi?: () => unknown;
  extraRoutes?: Record<string, () => unknown>;
  upstreams: Record<string, string>;
}

const jsonReply = (status: number, value: unknown): Reply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(value, null, 2),
});

export const errorReply = (error: unknown, instance?: string): Reply => {
  const { statusCode, headers, body } = problemResponse(error, instance);
  return { status: statusCode, headers, body: JSON.stringify(body) };
};

const timeoutReply = (fn: LoadedFunction): Reply =>
  errorReply(new AppError(504, 'function_timeout', 'Gateway Timeout', `${fn.spec.name} did not answer within ${fn.timeoutMs} ms (exec_timeout).`));

/** Answers with the function's reply (which never rejects), or a 504 problem once its exec_timeout has passed. */
const withTimeout = (fn: LoadedFunction, reply: Promise<Reply>): Promise<Reply> =>
  new Promise<Reply>((resolve) => {
    const timer = setTimeout(() => resolve(timeoutReply(fn)), fn.timeoutMs);
    void reply.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });

const runFunction = async (state: GatewayState, fn: LoadedFunction, event: FunctionEvent): Promise<{ reply: Reply; seconds: number }> => {
  fn.invocationCount += 1;
  gatewayMetrics.started.inc({ function_name: fn.spec.name });
  const started = process.hrtime.bigint();
  const pod = state.upstreams[fn.spec.name];
  const running = pod
    ? forwardToPod(fn.spec.name, pod, event).catch((error: unknown) => errorReply(error))
    : invokeHandler(fn.handler!, event, { onError: state.failureLogs.get(fn.spec.name) });
  const reply = await withTimeout(fn, running);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  recordInvocation(fn.spec.name, reply.status, seconds);
  return { reply, seconds };
};

/** The headers OpenFaaS's gateway adds before forwarding (Object.assign: see writeReply on spreads). */
const forwardedHeaders = (req: IncomingMessage, callId: string): IncomingMessage['headers'] =>
  Object.assign({}, req.headers, {
    'x-call-id': callId,
    'x-start-time': String(Date.now() * 1e6),
    'x-forwarded-for': [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', '),
  });

const runAsync = (state: GatewayState, fn: LoadedFunction, event: FunctionEvent, callId: string, callbackUrl: URL | undefined): void => {
  const job = runFunction(state, fn, event)
    .then(async ({ reply, seconds }) => {
      if (!callbackUrl) return;
      const status = await deliverCallback({ url: callbackUrl, callId, functionName: fn.spec.name, reply, seconds }, state.callbackTimeoutMs);
      state.log.debug({ callId, function: fn.spec.name, callbackStatus: status }, 'async result delivered');
    })
    .catch((error: unknown) => state.log.warn({ err: error, callId, function: fn.spec.name }, 'async callback failed'))
    .finally(() => state.pending.delete(job));
  state.pending.add(job);
};

const invoke = async (state: GatewayState, route: Extract<GatewayRoute, { kind: 'invoke' }>, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const callId = (req.headers['x-call-id'] as string | undefined) ?? randomUUID();
  const instance = `urn:request:${callId}`;
  const fn = state.functions.get(route.functionName);
  if (!fn) return writeReply(req, res, errorReply(new NotFoundError('function', route.functionName), instance));
  // A function its own pod serves needs no copy loaded here.
  if (!fn.handler && !state.upstreams[fn.spec.name]) {
    return writeReply(req, res, errorReply(new ServiceUnavailableError(`${fn.spec.name} failed to load: ${fn.loadError}`, 'function_unavailable'), instance));
  }
  const callbackHeader = req.headers['x-callback-url'] as string | undefined;
  const callbackUrl = parseCallbackUrl(callbackHeader);
  if (route.async && callbackHeader && !callbackUrl) {
    return writeReply(req, res, errorReply(new BadRequestError('X-Callback-Url must be an absolute http(s) URL.', 'invalid_callback_url'), instance));
  }
  const rawBody = hasBody(req) ? await readBody(req, state.maxBodyBytes) : EMPTY_BODY;
  if (rawBody === undefined) return writeReply(req, res, errorReply(new PayloadTooLargeError(state.maxBodyBytes), instance));

  const event = makeEvent({ url: req.url, method: req.method, headers: forwardedHeaders(req, callId) }, rawBody, route.path);
  if (route.async) {
    runAsync(state, fn, event, callId, callbackUrl);
    return writeReply(req, res, { status: 202, headers: { 'x-call-id': callId }, body: '' });
  }
  const { reply, seconds } = await runFunction(state, fn, event);
  // The reply and its headers were made for this invocation (by the adapter, or as the 504), so they are ours to extend.
  reply.headers['x-call-id'] = callId;
  reply.headers['x-duration-seconds'] = seconds.toFixed(6);
  writeReply(req, res, reply);
};

const systemReply = async (state: GatewayState, route: GatewayRoute): Promise<Reply> => {
  switch (route.kind) {
    case 'system-functions':
      return jsonReply(200, [...state.functions.values()].map(functionStatus));
    case 'healthz':
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' };
    case 'metrics':
      return { status: 200, headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
    case 'openapi':
      return jsonReply(200, state.openapi());
    case 'docs':
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderDocs(state.openapi()) };
    case 'asyncapi':
      return state.asyncApi ? jsonReply(200, state.asyncApi()) : errorReply(new NotFoundError('document', 'asyncapi.json'));
    case 'root':
      return { status: 302, headers: { location: '/docs' }, body: '' };
    default:
      return errorReply(new NotFoundError('route'));
  }
};

const handle = async (state: GatewayState, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const { pathname } = splitUrl(req.url);
  const route = parseRoute(req.method ?? 'GET', pathname);
  if (route.kind === 'invoke') return invoke(state, route, req, res);
  const extra = route.kind === 'unknown' && (req.method === 'GET' || req.method === 'HEAD') ? state.extraRoutes?.[pathname] : undefined;
  if (extra) return writeReply(req, res, jsonReply(200, await extra()));
  writeReply(req, res, await systemReply(state, route));
};

/** Computes once, on first use: the document changes only when the gateway restarts. */
const lazy = <T>(compute: () => T): (() => T) => {
  let value: { computed: T } | undefined;
  return () => (value ??= { computed: compute() }).computed;
};

const listen = (server: http.Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

export const startGateway = async (options: GatewayOptions = {}): Promise<Gateway> => {
  const rootDir = path.resolve(options.rootDir ?? REPO_ROOT);
  const stackPath = path.resolve(rootDir, options.stackPath ?? 'stack.yml');
  const distDir = path.resolve(rootDir, options.distDir ?? 'dist');
  const host = options.host ?? '127.0.0.1';
  const log = options.logger ?? createLogger({ service: 'gateway', functionName: 'gateway', level: process.env.LOG_LEVEL ?? 'info' });
  const undoJwks = options.devKeysPath === false ? () => undefined : await provideDevJwks(options.devKeysPath ?? DEFAULT_DEV_KEYS_PATH);
  collectProcessMetrics();

  const stack = loadStack(stackPath);
  const functions = loadFunctions(stackFunctions(stack), distDir);
  for (const fn of functions.values()) {
    gatewayMetrics.replicas.set({ function_name: fn.spec.name }, fn.handler ? 1 : 0);
    if (fn.loadError) log.warn({ function: fn.spec.name, error: fn.loadError }, 'function not loaded');
    if (fn.operation && fn.operation.name !== fn.spec.name)
      log.warn({ function: fn.spec.name, operation: fn.operation.name }, 'operation name differs from the stack.yml name');
  }

  const server = http.createServer();
  const port = await listen(server, options.port ?? Number(process.env.GATEWAY_PORT || 8080), host);
  const url = `http://${host}:${port}`;
  const version = (JSON.parse(readFileSync(path.join(rootDir, 'package.json'), 'utf8')) as { version?: string }).version;
  const state: GatewayState = {
    functions,
    maxBodyBytes: options.maxBodyBytes ?? Number(process.env.MAX_REQUEST_BYTES || DEFAULT_MAX_BODY_BYTES),
    callbackTimeoutMs: options.callbackTimeoutMs ?? 5_000,
    log,
    pending: new Set(),
    failureLogs: new Map([...functions.keys()].map((name) => [name, (error: unknown) => log.error({ err: error, function: name }, 'function failed')])),
    openapi: lazy(() => generateOpenApi(operationEntries(functions), { serverUrl: url, ...(version ? { version } : {}) })),
    ...(options.asyncApi === false ? {} : { asyncApi: lazy(options.asyncApi ?? (() => asyncApiDocument(stack))) }),
    ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}),
    upstreams: options.upstreams ?? {},
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(state, req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'gateway request failed');
      if (res.headersSent) res.destroy();
      else writeReply(req, res, errorReply(error));
    });
  });

  const close = async (graceMs = 10_000): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // In-flight requests and async invocations get the grace period, then connections are cut.
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all([closed, Promise.allSettled([...state.pending])]), grace]);
    server.closeAllConnections();
    await closed;
    undoJwks();
  };
  return { url, port, functions, close };
};
