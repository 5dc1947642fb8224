import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from '../../../../layers/errors';
import { problemResponse, toProblem } from '../../../../layers/http/problem';

describe('problem details', () => {
  it('maps a typed error to its status, code and extras', () => {
    expect(toProblem(new ValidationError([{ path: 'body.name', message: 'Required' }]), 'urn:request:1')).toEqual({
      problem: {
        type: 'https://docs.marketplace.dev/problems/validation_failed',
        title: 'Validation Failed',
        status: 400,
        detail: 'Invalid request body: see errors.',
        instance: 'urn:request:1',
        code: 'validation_failed',
        errors: [{ path: 'body.name', message: 'Required' }],
      },
      headers: {},
    });
  });

  it('never lets an extra replace a member of the problem', () => {
    const { problem } = toProblem(new ConflictError('Already decided.', 'illegal_transition', { status: 'approved', code: 'other', state: 'approved' }));
    expect(problem).toMatchObject({ status: 409, code: 'illegal_transition', state: 'approved' });
    expect(problemResponse(new ConflictError('x', 'c', { status: 200 })).statusCode).toBe(409);
  });

  it('hides everything about an unknown error', () => {
    const { problem } = toProblem(new Error('connection string mongodb://user:secret@host'));
    expect(problem).toEqual({
      type: 'https://docs.marketplace.dev/problems/internal_error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred.',
      code: 'internal_error',
    });
    expect(JSON.stringify(problem)).not.toContain('secret');
  });

  it('builds a problem+json response with the error headers', () => {
    const response = problemResponse(new TooManyRequestsError(3, 'tenant'));
    expect(response.statusCode).toBe(429);
    expect(response.headers).toEqual({ 'retry-after': '3', 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
    expect(problemResponse(new NotFoundError('product', 'p1')).body).toMatchObject({ status: 404, detail: 'No product with id p1.', resource: 'product' });
  });
});
