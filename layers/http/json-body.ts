import type middy from '@middy/core';
import { BadRequestError, MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from './types';

export interface JsonBodyOptions {
  maxBytes?: number;
  /** Refuse keys that MongoDB would read as operators or paths (`$ne`, `$where`, `a.b`). */
  rejectOperatorKeys?: boolean;
  /** Maximum nesting depth, against stack exhaustion and pathological documents. */
  maxDepth?: number;
  /** Keep the body as received in `event.rawBody` (a signed webhook is verified over its exact bytes). */
  keepRaw?: boolean;
}

const defaults: Required<JsonBodyOptions> = { maxBytes: 100 * 1024, rejectOperatorKeys: true, maxDepth: 16, keepRaw: false };

const FORBIDDEN_KEY = /^\$|\./;

/** Returns the JSON path of the first key that MongoDB would interpret, or undefined. */
export const findOperatorKey = (value: unknown, maxDepth: number, path = '$', depth = 0): string | undefined => {
  if (depth > maxDepth) throw new BadRequestError(`The request body nests deeper than ${maxDepth} levels.`, 'body_too_deep');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findOperatorKey(value[i], maxDepth, `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (FORBIDDEN_KEY.test(key) || key === '__proto__' || key === 'constructor') return `${path}.${key}`;
      const found = findOperatorKey(child, maxDepth, `${path}.${key}`, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
};

const byteLength = (body: unknown): number => (typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : 0);

/** Parses a JSON body with a size limit; an empty body stays undefined. */
export const jsonBody = (opts: JsonBodyOptions = {}): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const options = { ...defaults, ...opts };
  const jsonBodyBefore = async (request: middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>): Promise<void> => {
    const { event } = request;
    const raw = event.body;
    if (raw === undefined || raw === null || byteLength(raw) === 0) {
      event.body = undefined;
      return;
    }
    if (typeof raw !== 'string' && !Buffer.isBuffer(raw)) return; // already parsed by an outer layer
    if (byteLength(raw) > options.maxBytes) throw new PayloadTooLargeError(options.maxBytes);
    if (options.keepRaw) event.rawBody = raw.toString();
    const contentType = (event.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json' && !contentType.endsWith('+json')) throw new UnsupportedMediaTypeError();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      throw new MalformedJsonError();
    }
    if (options.rejectOperatorKeys) {
      const key = findOperatorKey(parsed, options.maxDepth);
      if (key) throw new BadRequestError(`The key at ${key} is not allowed: keys may not start with '$' or contain '.'.`, 'forbidden_key', { pointer: key });
    }
    event.body = parsed;
  };
  return { before: jsonBodyBefore };
};
