/**
 * Typed errors. Each carries an HTTP status and a stable, documented `code`; the
 * http-errors middleware turns them into RFC 9457 problem bodies. Codes never change
 * once published: clients branch on them.
 */
export interface ProblemExtras {
  [key: string]: unknown;
}

export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extras: ProblemExtras;
  readonly headers: Record<string, string>;
  /** A client error is the caller's fault: logged at info, not counted as a server error. */
  get isClientError(): boolean {
    return this.status < 500;
  }

  constructor(status: number, code: string, title: string, detail?: string, extras: ProblemExtras = {}, headers: Record<string, string> = {}) {
    super(detail ?? title);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.title = title;
    this.extras = extras;
    this.headers = headers;
  }
}

export class BadRequestError extends AppError {
  constructor(detail = 'The request is malformed.', code = 'bad_request', extras: ProblemExtras = {}) {
    super(400, code, 'Bad Request', detail, extras);
  }
}

export class MalformedJsonError extends AppError {
  constructor() {
    super(400, 'malformed_json', 'Malformed JSON', 'The request body is not valid JSON.');
  }
}

export class ValidationError extends AppError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], locations: string[] = ['body']) {
    super(400, 'validation_failed', 'Validation Failed', `Invalid request ${locations.join(', ')}: see errors.`, { errors: issues });
    this.issues = issues;
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'A valid bearer token is required.', code = 'unauthorized') {
    super(401, code, 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You are not allowed to perform this operation.', code = 'forbidden', extras: ProblemExtras = {}) {
    super(403, code, 'Forbidden', detail, extras);
  }
}

export class NotFoundError extends AppError {
  constructor(resource = 'resource', id?: string) {
    super(404, 'not_found', 'Not Found', id ? `No ${resource} with id ${id}.` : `No such ${resource}.`, { resource });
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, allowed: string[]) {
    super(405, 'method_not_allowed', 'Method Not Allowed', `${method} is not allowed here.`, { allowed }, { allow: allowed.join(', ') });
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, code = 'conflict', extras: ProblemExtras = {}) {
    super(409, code, 'Conflict', detail, extras);
  }
}

export class PreconditionFailedError extends AppError {
  constructor(detail: string, extras: ProblemExtras = {}) {
    super(412, 'precondition_failed', 'Precondition Failed', detail, extras);
  }
}

export class PreconditionRequiredError extends AppError {
  constructor(detail = 'This update requires an If-Match header with the current version.') {
    super(428, 'precondition_required', 'Precondition Required', detail);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', 'Payload Too Large', `The request body exceeds ${limitBytes} bytes.`, { limitBytes });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(expected = 'application/json') {
    super(415, 'unsupported_media_type', 'Unsupported Media Type', `The request body must be ${expected}.`, { expected });
  }
}

export class UnprocessableError extends AppError {
  constructor(detail: string, code = 'unprocessable', extras: ProblemExtras = {}) {
    super(422, code, 'Unprocessable Content', detail, extras);
  }
}

/** A plan limit would be exceeded: 403 with the limit named, so clients can offer an upgrade. */
export class PlanLimitError extends AppError {
  constructor(resource: string, limit: number, plan: string, detail?: string) {
    super(403, 'plan_limit_exceeded', 'Plan Limit Exceeded', detail ?? `The ${plan} plan allows at most ${limit} ${resource}.`, {
      limit: { resource, max: limit, plan },
    });
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number, scope: string) {
    super(
      429,
      'rate_limited',
      'Too Many Requests',
      `Rate limit exceeded for ${scope}; retry after ${retryAfterSeconds}s.`,
      { scope, retryAfter: retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail = 'A dependency is unavailable; retry later.', code = 'service_unavailable', retryAfterSeconds = 1) {
    super(503, code, 'Service Unavailable', detail, {}, { 'retry-after': String(retryAfterSeconds) });
  }
}

/** Raised at cold start when the environment does not satisfy a function's config schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
