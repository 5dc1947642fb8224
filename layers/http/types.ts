import type { Logger } from 'pino';
import type { Actor } from '../auth/types';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The request as every middleware sees it: header names lower-cased, body raw until parsed. */
export interface HttpEvent {
  method: string;
  /** The path after `/function/<name>`: '' or '/…'. */
  path: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  /** Raw string before `jsonBody`, the parsed JSON value after it, the validated value after `validate`. */
  body: unknown;
  /** The body exactly as received, kept by `jsonBody({ keepRaw: true })` for signature checks (webhooks). */
  rawBody?: string;
  /** Filled by `route` from the operation's path template. */
  params: Record<string, string>;
  sourceIp?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Per-invocation state. Created fresh by the adapter for every call; never shared across calls. */
export interface FunctionContext {
  functionName: string;
  requestId: string;
  log: Logger;
  actor?: Actor;
  tenantId?: string;
  /** Set by the idempotency middleware: the key scoped to tenant and user. */
  idempotencyKey?: string;
  getRemainingTimeInMillis?: () => number;
}
