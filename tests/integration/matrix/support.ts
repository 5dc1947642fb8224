import fs from 'node:fs';
import path from 'node:path';
import { ROLES, ROLE_LEVEL, type Role } from '../../../layers/auth/types';
import { attributesOf, toHeaders } from '../../../layers/events/cloudevent';
import type { OutboxEntry } from '../../../layers/events/envelope';
import { sign } from '../../../layers/events/http-binding';
import type { HttpOperation } from '../../../layers/http/define';
import type { OpenFaasHandler } from '../../../layers/http/openfaas';
import { isHttpOperation } from '../../../openfaas/gateway/functions';
import { invokeHandler, resolveHandler } from '../../../openfaas/template/node20-middy/adapter';
import { stackFunctions, topicsOf, type Stack } from '../../../triggers/stack';
import { invoke } from '../support/invoke';
import type { FixtureEnvironment, FixtureFactory, OperationRequest, Reply } from './types';

export const ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES_DIR = path.join(__dirname, 'fixtures');

/** A stack.yml function as the matrix sees it: its module, and the HTTP operation it describes if any. */
export interface MatrixFunction {
  name: string;
  service: string;
  handler: string;
  /** Event and cron functions carry a `topic` annotation; the rest are invoked over HTTP. */
  triggered: boolean;
  module?: { default: OpenFaasHandler };
  operation?: HttpOperation;
  loadError?: string;
}

/**
 * Imports every function module stack.yml names, as the gateway does, and reads the operation
 * its default export describes. Call after `useTestKeys()`: modules read their config at load.
 */
export const loadFunctions = async (stack: Stack): Promise<MatrixFunction[]> => {
  const loaded: MatrixFunction[] = [];
  for (const fn of stackFunctions(stack)) {
    const entry: MatrixFunction = { name: fn.name, service: fn.name.split('-')[0]!, handler: fn.handler, triggered: topicsOf(fn).length > 0 };
    try {
      const mod: unknown = await import(path.resolve(ROOT, fn.handler));
      const handler = resolveHandler(mod) as OpenFaasHandler & { operation?: unknown };
      entry.module = { default: handler };
      if (isHttpOperation(handler.operation)) entry.operation = handler.operation;
    } catch (error) {
      entry.loadError = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
    loaded.push(entry);
  }
  return loaded;
};

/** The service fixture modules present: `fixtures/<service>.ts`. */
export const fixtureFiles = (): Map<string, string> =>
  new Map(
    fs
      .readdirSync(FIXTURES_DIR)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => [path.basename(file, '.ts'), path.join(FIXTURES_DIR, file)]),
  );

/** Runs every fixture module's `environment` (before function modules load); resolves to their teardowns. */
export const prepareFixtureEnvironments = async (files: Iterable<string>): Promise<(() => Promise<void>)[]> => {
  const teardowns: (() => Promise<void>)[] = [];
  for (const file of files) {
    const mod = (await import(file)) as { environment?: FixtureEnvironment };
    if (mod.environment) teardowns.push(await mod.environment());
  }
  return teardowns;
};

export const loadFixtureFactory = async (file: string): Promise<FixtureFactory> => {
  const mod = (await import(file)) as { default?: FixtureFactory };
  if (typeof mod.default !== 'function') throw new TypeError(`${path.relative(ROOT, file)} must export default a FixtureFactory`);
  return mod.default;
};

/** Tenant roles strictly below the operation's minimum, lowest first. */
export const rolesBelow = (auth: Role): Role[] => ROLES.filter((role) => ROLE_LEVEL[role] < ROLE_LEVEL[auth]).sort((a, b) => ROLE_LEVEL[a] - ROLE_LEVEL[b]);

/** A syntactically plausible value for a path parameter no fixture gave: routing runs before auth. */
const PLACEHOLDER = '0190a0a0-0000-7000-8000-000000000001';

/** The operation's path template filled with `params`; every template parameter must be given unless `placeholders`. */
export const fillPath = (operation: HttpOperation, params: Record<string, string> = {}, placeholders = false): string =>
  (operation.path ?? '').replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => {
    const value = params[name] ?? (placeholders ? PLACEHOLDER : undefined);
    if (value === undefined) throw new Error(`${operation.name}: the request gives no value for the path parameter {${name}}`);
    return encodeURIComponent(value);
  }) || '/';

export const callFunction = async <T>(fn: MatrixFunction, request: OperationRequest, token?: string, placeholders = false): Promise<Reply<T>> => {
  if (!fn.module || !fn.operation) throw new Error(`${fn.name} is not a loaded HTTP function`);
  const reply = await invoke<T>(fn.module, {
    method: fn.operation.method,
    path: fillPath(fn.operation, request.params, placeholders),
    token,
    body: request.body,
    headers: request.headers,
    query: request.query,
  });
  return { status: reply.status, headers: reply.headers as Record<string, string>, body: reply.body };
};

/**
 * Why a request would fail the operation's own validation, so that a refusal of it can only
 * come from tenant scoping or roles. The parts are shaped as the validate middleware sees them.
 */
export const requestIssues = (operation: HttpOperation, request: OperationRequest): string[] => {
  const schemas = operation.request ?? {};
  const parts: Record<string, unknown> = {
    params: request.params ?? {},
    query: request.query ?? {},
    headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...request.headers }).map(([k, v]) => [k.toLowerCase(), v])),
    body: request.body === undefined ? undefined : JSON.parse(JSON.stringify(request.body)),
  };
  const issues: string[] = [];
  for (const location of ['params', 'query', 'headers', 'body'] as const) {
    const schema = schemas[location];
    if (!schema) continue;
    const result = schema.safeParse(parts[location]);
    if (!result.success) issues.push(...result.error.issues.map((issue) => `${location}.${issue.path.join('.')}: ${issue.message}`));
  }
  return issues;
};

/** Markers of tenant A found in a reply, except those the caller itself sent (a 404 may name the id it was asked for). */
export const leakedMarkers = (reply: Reply, markers: string[], request: OperationRequest): string[] => {
  const seen = JSON.stringify(reply.body ?? null) + JSON.stringify(reply.headers);
  const sent = JSON.stringify(request);
  return markers.filter((marker) => marker.length > 0 && seen.includes(marker) && !sent.includes(marker));
};

/**
 * Delivers an event to a consumer module as the trigger connector does: a binary-mode
 * CloudEvent POST with the topic named, signed when CONNECTOR_SECRET is set. Throws unless
 * the consumer answers 200, so a fixture never builds on an event that was not taken.
 */
export const deliverEvent = async (consumerModule: unknown, entry: OutboxEntry): Promise<void> => {
  const headers: Record<string, string> = { ...toHeaders(attributesOf(entry), 'ce-'), 'x-topic': entry.topic };
  const secret = process.env.CONNECTOR_SECRET;
  if (secret) headers['x-connector-signature'] = sign(secret, entry.id, entry.data);
  const reply = await invokeHandler(resolveHandler(consumerModule), { method: 'POST', path: '/', headers, query: {}, body: entry.data });
  if (reply.status !== 200) throw new Error(`${entry.type} to its consumer answered ${reply.status} ${reply.body.toString()}`);
};

/** A one-line description of a reply for assertion messages. */
export const describeReply = (reply: Reply): string => `${reply.status} ${JSON.stringify(reply.body ?? null).slice(0, 300)}`;
