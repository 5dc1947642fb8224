import type middy from '@middy/core';
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

/** Binds a request logger carrying trace and request ids, and records RED metrics. */
export const observe = (opts: ObserveOptions): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const options = { logRequests: true, ...opts };
  const observeBefore = async (request: Request): Promise<void> => {
    request.internal.startedAt = process.hrtime.bigint();
    request.context.log = requestLogger(options.logger, { ...spanIds(), requestId: request.context.requestId });
  };
  const record = (request: Request): void => {
    const { context, event } = request;
    const status = request.response?.statusCode ?? 500;
    const seconds = Number(process.hrtime.bigint() - (request.internal.startedAt ?? process.hrtime.bigint())) / 1e9;
    metrics.requests.inc({ function: context.functionName, method: event.method, status_class: statusClass(status) });
    metrics.duration.observe({ function: context.functionName, method: event.method }, seconds);
    if (options.logRequests) {
      const log = context.tenantId ? context.log.child({ tenantId: context.tenantId }) : context.log;
      log.info({ method: event.method, path: event.path, status, ms: Math.round(seconds * 1000) }, 'request completed');
    }
  };
  const observeAfter = async (request: Request): Promise<void> => record(request);
  // Runs last among onError handlers (registered first), after httpErrors has set the response.
  const observeOnError = async (request: Request): Promise<void> => {
    if (request.response) record(request);
  };
  return { before: observeBefore, after: observeAfter, onError: observeOnError };
};
