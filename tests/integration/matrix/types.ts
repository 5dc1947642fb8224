import type { Role } from '../../../layers/auth/types';
import type { HttpOperation } from '../../../layers/http/define';

/**
 * The contract between the two-tenant authorization matrix and a service's fixtures
 * (`fixtures/<service>.ts`, default export: a `FixtureFactory`).
 *
 * The matrix knows nothing of any service: it reads every HTTP operation from stack.yml and
 * the operation each function module describes (`default.operation`), and asks the service's
 * fixtures, per operation name, for a VALID request against tenant A's real resources, how to
 * classify it, and how to read tenant A's state back.
 */

/** One call of an operation; the matrix builds the path from the operation's template and `params`. */
export interface OperationRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Lower-case names (If-Match, Idempotency-Key, ...); authorization is added by the matrix. */
  headers?: Record<string, string>;
}

export interface Reply<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/**
 * How an operation relates to tenant A's data, which decides what tenant B's owner must get:
 * - `target`: it takes ids of A's (path, query or body) → 403 or 404, nothing read or changed;
 * - `collection`: a list, search, query or report of the caller's tenant → 2xx that shows none of A's data;
 * - `own`: it acts only in the caller's own tenant (creates there, or reads or changes the caller's own
 *   tenant, user or settings) and names nothing of A's → whatever B gets, it shows nothing of A's and A is unchanged;
 * - `platform`: an operators' operation across tenants (auth 'platform'): no tenant role reaches it,
 *   which BFLA proves for every tenant role up to owner; the positive control uses a platform token;
 * - `public`: no token at all (auth 'public'): outside BFLA and token-based BOLA; `reason` says how
 *   its isolation is tested instead. If a request is given, the matrix runs it once, without a token, and expects 2xx.
 */
export type Access =
  | { kind: 'target' }
  | {
      kind: 'collection';
      /** Whether a reply shows A's data; by default, whether it contains one of A's markers. */
      showsTenantA?: (body: unknown) => boolean;
    }
  | { kind: 'own' }
  | { kind: 'platform' }
  | { kind: 'public'; reason: string };

export interface OperationFixture {
  access: Access;
  /** A request that is valid against the operation's schemas and succeeds for tenant A (called afresh for each case). */
  request?: () => OperationRequest | Promise<OperationRequest>;
  /** The role of tenant A's positive control; the operation's own minimum by default. */
  controlRole?: Role;
  /**
   * The bearer of tenant A's positive control, for operations that act on the calling user
   * (a real user's token from the identity service); a token of tenant A at `controlRole` by default.
   */
  controlToken?: () => Promise<string>;
  /** Reads back what this operation could change of A's; the service's `snapshot` by default. */
  read?: () => Promise<unknown>;
}

export interface ServiceFixtures {
  /** Everything of A's in this service, as A reads it through the API: equal before and after a refused call. */
  snapshot: () => Promise<unknown>;
  /** Strings only A's data contains (ids, hashes): none may appear in a reply to anyone else, unless they sent it. */
  markers: () => string[];
  /** Per stack.yml function name. */
  operations: Record<string, OperationFixture>;
}

export interface MatrixContext {
  tenantA: string;
  tenantB: string;
  /** An access token of `tenantId` with `roles`, signed by the keys the functions trust. */
  token: (tenantId: string, roles: Role[]) => Promise<string>;
  /** Invokes a stack.yml function's module with every middleware of its stack. */
  call: <T = unknown>(functionName: string, request: OperationRequest, token?: string) => Promise<Reply<T>>;
  /** The operation a function module describes. */
  operation: (functionName: string) => HttpOperation;
}

export type FixtureFactory = (context: MatrixContext) => Promise<ServiceFixtures>;

/**
 * Optional export `environment` of a fixture module: runs before any function module loads
 * (they read their configuration at load), e.g. to start a local peer and name it in an
 * environment variable. Returns its teardown. Fixture modules must therefore not import
 * function modules at their top level; import them inside the factory.
 */
export type FixtureEnvironment = () => Promise<() => Promise<void>>;
