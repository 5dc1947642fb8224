import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { HttpOperation } from '../../layers/http/define';
import { PROBLEM_CONTENT_TYPE } from '../../layers/http/problem';

/**
 * OpenAPI 3.1 from the operations the functions describe about themselves (`handler.operation`).
 * Pure: operations in, document out. Each operation is served at `/function/<name><path>`.
 */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export interface OperationEntry {
  /** The function's name in stack.yml. */
  functionName: string;
  operation: HttpOperation;
}

export interface OpenApiOptions {
  title?: string;
  version?: string;
  description?: string;
  /** Base URL of the gateway, e.g. http://127.0.0.1:8080. */
  serverUrl?: string;
}

export const BEARER_SCHEME = 'bearerAuth';
export const PROBLEM_SCHEMA = 'Problem';

/** RFC 9457 problem details with our stable `code` and the validation `errors` extension. */
export const problemSchema = z
  .looseObject({
    type: z.string().describe('A URI identifying the problem type.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string().describe('Stable, machine-readable error code; clients branch on it.'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
      .optional()
      .describe('Field issues of a validation failure.'),
  })
  .meta({ id: PROBLEM_SCHEMA, description: 'RFC 9457 problem details.' });

const IDEMPOTENCY_HEADER = 'idempotency-key';

const PATH_PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export const pathParamNames = (template: string): string[] => [...template.matchAll(PATH_PARAM)].map((match) => match[1]!);

export const functionPath = (functionName: string, operation: Pick<HttpOperation, 'path'>): string => `/function/${functionName}${operation.path ?? ''}`;

/** The problem statuses an operation can answer, from what its middleware stack does. */
export const errorStatuses = (operation: HttpOperation): number[] => {
  const statuses = new Set<number>([400, 500, ...(operation.errors ?? [])]);
  if (operation.request?.body) [413, 415].forEach((status) => statuses.add(status));
  if (operation.auth !== 'public') [401, 403].forEach((status) => statuses.add(status));
  if (pathParamNames(operation.path ?? '').length > 0) statuses.add(404);
  if (operation.rateLimit !== false) statuses.add(429);
  if (operation.idempotent) [409, 422].forEach((status) => statuses.add(status));
  statuses.delete(operation.response.status);
  return [...statuses].sort((a, b) => a - b);
};

/** Structural, not `instanceof`: a bundle's schemas may come from another copy of zod than ours. */
const isZodObject = (schema: unknown): schema is z.ZodObject => (schema as { _zod?: { def?: { type?: string } } } | undefined)?._zod?.def?.type === 'object';

/** Path parameters the template names but the operation does not describe are plain strings. */
const paramsSchema = (operation: HttpOperation): z.ZodObject | undefined => {
  const declared = operation.request?.params;
  if (declared) return declared as z.ZodObject;
  const names = pathParamNames(operation.path ?? '');
  if (names.length === 0) return undefined;
  return z.object(Object.fromEntries(names.map((name) => [name, z.string()])));
};

const headersSchema = (operation: HttpOperation): z.ZodObject | undefined => {
  const declared = operation.request?.headers;
  const idempotencyKey = z.string().min(1).max(255).describe('Replays the first response for the same key and body (24 h).');
  if (!operation.idempotent) return declared as z.ZodObject | undefined;
  if (declared === undefined) return z.object({ [IDEMPOTENCY_HEADER]: idempotencyKey });
  if (isZodObject(declared) && !(IDEMPOTENCY_HEADER in declared.shape)) return declared.extend({ [IDEMPOTENCY_HEADER]: idempotencyKey });
  return declared as z.ZodObject;
};

const successResponse = (operation: HttpOperation): ResponseConfig => {
  const { status, schema, description } = operation.response;
  const text = description ?? STATUS_CODES[status] ?? 'Success';
  if (status === 204 || !schema) return { description: text };
  return { description: text, content: { 'application/json': { schema } } };
};

const problemResponse = (status: number): ResponseConfig => ({
  description: STATUS_CODES[status] ?? `HTTP ${status}`,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
});

export const toRouteConfig = ({ functionName, operation }: OperationEntry): RouteConfig => {
  const body = operation.request?.body;
  const responses: RouteConfig['responses'] = { [operation.response.status]: successResponse(operation) };
  for (const status of errorStatuses(operation)) responses[status] = problemResponse(status);
  const isPublic = operation.auth === 'public';
  return {
    method: operation.method.toLowerCase() as RouteConfig['method'],
    path: functionPath(functionName, operation),
    operationId: functionName,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: operation.tags ?? [functionName.split('-')[0]!],
    security: isPublic ? [] : [{ [BEARER_SCHEME]: [] }],
    ...(isPublic ? {} : { 'x-required-role': operation.auth }),
    ...(operation.idempotent ? { 'x-idempotent': true } : {}),
    request: {
      ...(body ? { body: { required: true, content: { 'application/json': { schema: body } } } } : {}),
      ...(operation.request?.query ? { query: operation.request.query as z.ZodObject } : {}),
      params: paramsSchema(operation),
      headers: headersSchema(operation),
    },
    responses,
  };
};

export const generateOpenApi = (entries: OperationEntry[], options: OpenApiOptions = {}): OpenApiDocument => {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token (RS256/ES256, `kid` from the JWKS); carries tenant and roles.',
  });
  const sorted = [...entries].sort((a, b) => a.functionName.localeCompare(b.functionName));
  for (const entry of sorted) registry.registerPath(toRouteConfig(entry));
  // The problem schema is listed even when no operation is loaded: clients rely on the component.
  return new OpenApiGeneratorV31([...registry.definitions, { type: 'schema', schema: problemSchema }]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Marketplace API',
      version: options.version ?? '0.0.0',
      ...(options.description ? { description: options.description } : {}),
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
  });
};
