import middy from '@middy/core';
import type { Logger } from 'pino';
import { metrics, statusClass } from '../metrics';
import { requestLogger } from '../logger';
import { spanIds } from '../tracing';
import type { FunctionContext, HttpEvent, HttpResponse } from './types';

export interface ObserveOptions {
  logger: Logger;
  /** Log one line per completed request (info); off for hot read paths if logs cost too much. */
  logRequests?: boolean;
}

type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext> & { internal: { startedAt?: bigint } };

/** Binds a request logger carrying trace and request ids, and records RED metrics when the request ends. */
export const observe = (opts: ObserveOptions) => {
  const options = { logRequests: true, ...opts };
  const observeBefore = async (request: Request): Promise<void> => {
    request.internal.startedAt = process.hrtime.bigint();
    const { trace_id, span_id } = spanIds(); // named, not spread: see toView in functions/products/read-model.ts
    request.context.log = requestLogger(options.logger, { trace_id, span_id, requestId: request.context.requestId });
  };
  // Recorded when the request ends, whatever ended it: the handler, an error, or an early
  // response (an idempotent replay skips the handler and every `after` phase).
  const observeRequestEnd = async (request: Request): Promise<void> => {
    const { context, event } = request;
    if (!context.log) return;
    const status = request.response?.statusCode ?? 500;
    const seconds = Number(process.hrtime.bigint() - (request.internal.startedAt ?? process.hrtime.bigint())) / 1e9;
    metrics.requests.inc({ function: context.functionName, method: event.method, status_class: statusClass(status) });
    metrics.duration.observe({ function: context.functionName, method: event.method }, seconds);
    // The tenant is a field of the line, not the binding of one more child logger per request.
    if (options.logRequests) {
      context.log.info({ tenantId: context.tenantId, method: event.method, path: event.path, status, ms: Math.round(seconds * 1000) }, 'request completed');
    }
  };
  return { before: observeBefore, requestEnd: observeRequestEnd };
};

/** Wires `observe` into middy: its `before` as a middleware, its `requestEnd` as the plugin hook. */
export const observed = (opts: ObserveOptions) => {
  const observer = observe(opts);
  return middy<HttpEvent, HttpResponse, Error, FunctionContext>({ requestEnd: observer.requestEnd as never }).use({ before: observer.before });
};
