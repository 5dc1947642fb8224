import { AppError } from '../errors';

/**
 * A data access that is not scoped to one tenant. It is a bug in our code, never the caller's
 * fault, hence a 500 whose public detail names nothing; `model` and `operation` are for logs.
 */
export class TenantScopeError extends AppError {
  constructor(
    readonly model: string,
    readonly operation: string,
    code: 'tenant_scope_missing' | 'tenant_reassignment' = 'tenant_scope_missing',
  ) {
    super(500, code, 'Internal Server Error', 'A data access was refused by the tenant guard.');
  }
}
