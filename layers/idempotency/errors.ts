import { BadRequestError, ConflictError, ServiceUnavailableError, UnprocessableError } from '../errors';
import { IDEMPOTENCY_HEADER } from './constants';

export class IdempotencyKeyMissingError extends BadRequestError {
  constructor() {
    super(`This operation requires an ${IDEMPOTENCY_HEADER} header.`, 'idempotency_key_missing');
  }
}

export class IdempotencyKeyInvalidError extends BadRequestError {
  constructor() {
    super(`The ${IDEMPOTENCY_HEADER} header must be 1 to 255 characters of letters, digits and _-:.`, 'idempotency_key_invalid');
  }
}

/** The key was used before with another request body (or method, or path). */
export class IdempotencyKeyReusedError extends UnprocessableError {
  constructor() {
    super('This idempotency key was already used with a different request.', 'idempotency_key_reused');
  }
}

/** The first request with this key has not finished yet. */
export class IdempotencyInProgressError extends ConflictError {
  constructor() {
    super('A request with this idempotency key is still being processed; retry later.', 'idempotency_in_progress');
  }
}

/** The store could not be reached: the request is refused rather than risk running twice. */
export class IdempotencyStoreUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('Idempotency records are unavailable; retry later.', 'idempotency_unavailable');
  }
}
