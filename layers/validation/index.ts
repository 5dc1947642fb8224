import type middy from '@middy/core';
import type { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors';
import type { FunctionContext, HttpEvent, HttpResponse } from '../http/types';

export interface RequestSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  headers?: z.ZodType;
}

const LOCATIONS = ['params', 'query', 'headers', 'body'] as const;

export const toFieldIssues = (error: z.ZodError, location: string): FieldIssue[] =>
  error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].join('.'),
    message: issue.message,
    code: issue.code,
  }));

/**
 * Validates each part of the request against its zod schema and replaces it with the parsed
 * value (defaults applied, strings coerced). Every failing part is reported at once.
 */
export const validate = (schemas: RequestSchemas): middy.MiddlewareObj<HttpEvent, HttpResponse, Error, FunctionContext> => {
  const validateBefore = async (request: middy.Request<HttpEvent, HttpResponse, Error, FunctionContext>): Promise<void> => {
    const { event } = request;
    const issues: FieldIssue[] = [];
    const failed: string[] = [];
    for (const location of LOCATIONS) {
      const schema = schemas[location];
      if (!schema) continue;
      const result = schema.safeParse(event[location]);
      // Headers are merged, not replaced: later middlewares read headers no schema names.
      if (result.success) event[location] = (location === 'headers' ? { ...event.headers, ...(result.data as object) } : result.data) as never;
      else {
        failed.push(location);
        issues.push(...toFieldIssues(result.error, location));
      }
    }
    if (issues.length > 0) throw new ValidationError(issues, failed);
  };
  return { before: validateBefore };
};
