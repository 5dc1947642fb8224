import type { z } from 'zod';
import { jwtAuth } from '../auth';
import type { Actor, Role } from '../auth/types';
import { loadConfig } from '../config';
import { idempotency } from '../idempotency';
import { tenantRequestRate } from '../plans/projection';
import { rateLimit, type RateLimitOptions } from '../rate-limit';
import { requireRole } from '../rbac';
import { tenancy } from '../tenancy';
import { validate } from '../validation';
import { jsonBody } from './json-body';
import { openfaas, type OpenFaasHandler } from './openfaas';
import { functionStack } from './stack';
import type { FunctionContext, HttpMethod } from './types';

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** Everything a gateway, an OpenAPI generator and a test need to know about an operation. */
export interface HttpOperation<
  B extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  P extends z.ZodType | undefined = z.ZodType | undefined,
  H extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType | undefined = z.ZodType | undefined,
> {
  name: string;
  method: HttpMethod;
  /** Path template after `/function/<name>`, e.g. '/{id}'. */
  path?: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** 'public', or the lowest role allowed. */
  auth: 'public' | Role;
  request?: { body?: B; query?: Q; params?: P; headers?: H };
  response: { status: number; schema?: R; description?: string };
  /** Problem statuses this operation documents besides the common ones. */
  errors?: number[];
  /** Requires `Idempotency-Key` and replays the first response (Stripe's semantics). */
  idempotent?: boolean;
  rateLimit?: Partial<RateLimitOptions> | false;
  maxBodyBytes?: number;
  /** Hands the core the body exactly as received (`rawBody`), besides the parsed one: for signed webhooks. */
  rawBody?: boolean;
}

export interface HttpRequest<B, Q, P, H> {
  body: B;
  query: Q;
  params: P;
  headers: H;
  /** The caller, for every operation that is not public. */
  actor: Actor;
  tenantId: string;
  rawHeaders: Record<string, string | undefined>;
  /** The body as received; only for operations with `rawBody: true` (undefined for an empty body). */
  rawBody?: string;
}

export interface Reply<R> {
  status?: number;
  body?: R;
  headers?: Record<string, string>;
}

export type HttpCore<B, Q, P, H, R> = (request: HttpRequest<B, Q, P, H>, context: FunctionContext) => Promise<Reply<R>>;

/**
 * Wraps an operation's core in the shared middleware stack, in this order:
 * observe → errors → route → JSON body → auth → tenancy → RBAC → rate limit → validation → idempotency.
 */
export const defineHttp = <
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  P extends z.ZodType | undefined,
  H extends z.ZodType | undefined,
  R extends z.ZodType | undefined,
>(
  operation: HttpOperation<B, Q, P, H, R>,
  core: HttpCore<Infer<B>, Infer<Q>, Infer<P>, Infer<H>, Infer<R>>,
): OpenFaasHandler => {
  const config = loadConfig();
  const handler = functionStack(operation.name, { method: operation.method, path: operation.path }).use(
    jsonBody({ maxBytes: operation.maxBodyBytes ?? config.MAX_BODY_BYTES, keepRaw: operation.rawBody === true }),
  );
  if (operation.auth !== 'public') {
    handler.use(jwtAuth()).use(tenancy()).use(requireRole(operation.auth));
  }
  if (operation.rateLimit !== false) {
    // User and IP buckets take the configured default; the tenant bucket its plan's requests per minute.
    handler.use(
      rateLimit({
        capacity: config.RATE_LIMIT_CAPACITY,
        refillPerSecond: config.RATE_LIMIT_REFILL_PER_SECOND,
        tenantLimit: tenantRequestRate,
        ...operation.rateLimit,
      }),
    );
  }
  handler.use(validate(operation.request ?? {}));
  if (operation.idempotent) handler.use(idempotency());

  handler.handler(async (event, context) => {
    const reply = await core(
      {
        body: event.body as Infer<B>,
        query: event.query as Infer<Q>,
        params: event.params as Infer<P>,
        headers: event.headers as Infer<H>,
        actor: context.actor as Actor,
        tenantId: context.tenantId as string,
        rawHeaders: event.headers,
        ...(operation.rawBody && event.rawBody !== undefined ? { rawBody: event.rawBody } : {}),
      },
      context,
    );
    const status = reply.status ?? operation.response.status;
    return { statusCode: status, headers: reply.headers ?? {}, body: status === 204 ? undefined : reply.body };
  });

  return openfaas(operation.name, handler as never, operation);
};
