import type middy from '@middy/core';
import { isAppError } from '../errors';
import { metrics } from '../metrics';
import { problemResponse } from './problem';
import type { FunctionContext, HttpEvent, HttpResponse } from './types';

export interface HttpErrorsOptions {
  /** Value of the problem's `instance` member; the request id by default. */
  instance?: (context: FunctionContext) => string | undefined;
}

const defaults: Required<HttpErrorsOptions> = {
  instance: (context) => `urn:request:${context.requestId}`,
};

type Request = middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>;

/** The one place where errors become responses: typed errors keep their status, others are a bare 500. */
export const httpErrors = (opts: HttpErrorsOptions = {}): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const options = { ...defaults, ...opts };
  const httpErrorsOnError = async (request: Request): Promise<void> => {
    if (request.response !== undefined && request.error === undefined) return;
    const error = request.error;
    const { context } = request;
    const code = isAppError(error) ? error.code : 'internal_error';
    const errorClass = isAppError(error) ? (error.isClientError ? 'client' : 'server') : 'unexpected';
    metrics.errors.inc({ function: context.functionName, class: errorClass, code });
    if (isAppError(error) && error.isClientError) context.log?.info({ code, status: error.status }, error.message);
    else context.log?.error({ err: error, code }, 'invocation failed');
    request.response = problemResponse(error, options.instance(context));
  };
  return { onError: httpErrorsOnError };
};
