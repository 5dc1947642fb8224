import type middy from '@middy/core';
import { MethodNotAllowedError, NotFoundError } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from './types';

export interface RouteOptions {
  method: string;
  /** A template such as '/{id}' or '/{id}/variants/{sku}'; '' accepts only the bare function path. */
  path?: string;
}

interface CompiledPath {
  regex: RegExp;
  names: string[];
}

/** Compiles '/{id}/variants/{sku}' to a matcher; a parameter is one non-empty path segment. */
export const compilePath = (template: string): CompiledPath => {
  const names: string[] = [];
  const pattern = template
    .split('/')
    .map((segment) => {
      const match = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(match[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { regex: new RegExp(`^${pattern}/?$`), names };
};

export const matchPath = (compiled: CompiledPath, path: string): Record<string, string> | undefined => {
  const match = compiled.regex.exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  compiled.names.forEach((name, index) => {
    params[name] = decodeURIComponent(match[index + 1]!);
  });
  return params;
};

/** Checks the method and extracts path parameters; a function answers one operation only. */
export const route = (opts: RouteOptions): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const compiled = compilePath(opts.path ?? '');
  const allowed = opts.method === 'GET' ? ['GET', 'HEAD'] : [opts.method];
  const routeBefore = async (request: middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>): Promise<void> => {
    const { event } = request;
    if (!allowed.includes(event.method.toUpperCase())) throw new MethodNotAllowedError(event.method, [opts.method]);
    const params = matchPath(compiled, event.path === '/' ? '' : event.path);
    if (!params) throw new NotFoundError('route', event.path);
    event.params = params;
  };
  return { before: routeBefore };
};
