/**
 * The two-tenant authorization matrix (OWASP API1 BOLA, API5 BFLA), generated from stack.yml:
 * every HTTP operation a function module describes gets its cases without this file naming it.
 *
 * - BFLA, for every operation whose `auth` is not 'public': no token → 401 `token_missing`; tenant
 *   A's token of every role strictly below the operation's minimum → 403 `insufficient_role`; and
 *   tenant A's data unchanged. Auth runs before validation, so these need no fixture; the fixture's
 *   valid request is sent when there is one.
 * - BOLA, from the service's fixtures (tenant A's real resources, created through the API): tenant
 *   B's owner sends A's valid request. An operation that targets A's ids → 403/404; a list, search,
 *   query or report → 2xx showing none of A's data; an operation on the caller's own tenant (a
 *   create, the tenant's own settings) → only B's data. In every case no
 *   marker of A's (ids, hashes) appears in B's reply and A's data reads back the same. B stating
 *   A's tenant (`x-tenant-id`) → 403 `tenant_mismatch`. A positive control, last, proves the same
 *   request succeeds for tenant A's role at the operation's minimum, so every refusal can fail.
 * - Operators' operations (`auth: 'platform'`) have no tenant boundary to cross: BFLA proves every
 *   tenant role up to owner is refused; the control uses a platform token.
 * - Public operations (`auth: 'public'`: jwks, login, register, ...) take no token, so neither BFLA
 *   nor token-based BOLA applies. Their fixture entry is still required and says where their
 *   isolation is tested; its request, if given, is run once without a token and must succeed.
 *
 * Coverage cannot shrink silently: a stack.yml function whose module does not load, or an HTTP
 * operation without a fixture entry, fails a test that lists them.
 */
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../layers/auth/types';
import { closeConnections } from '../../../layers/connections';
import { loadStack } from '../../../triggers/stack';
import { useTestKeys } from '../support/invoke';
import {
  ROOT,
  callFunction,
  describeReply,
  fixtureFiles,
  leakedMarkers,
  loadFixtureFactory,
  loadFunctions,
  prepareFixtureEnvironments,
  requestIssues,
  rolesBelow,
  type MatrixFunction,
} from './support';
import type { MatrixContext, OperationFixture, OperationRequest, ServiceFixtures } from './types';

// A and B are unprovisioned tenants; ENTERPRISE lifts plan limits so fixtures can create what they need.
process.env.UNPROVISIONED_TENANT_PLAN = 'ENTERPRISE';
const sign = await useTestKeys();
const files = fixtureFiles();
const teardowns = await prepareFixtureEnvironments(files.values());
const functions = await loadFunctions(loadStack(path.join(ROOT, 'stack.yml')));
const httpFunctions = functions.filter((fn) => fn.operation);
const byName = new Map(functions.map((fn) => [fn.name, fn]));
const services = [...new Set(httpFunctions.map((fn) => fn.service))];

const tenantA = `mx-a-${uuidv7()}`;
const tenantB = `mx-b-${uuidv7()}`;
const token = (tenantId: string, roles: Role[]) => sign(tenantId, roles);

const context: MatrixContext = {
  tenantA,
  tenantB,
  token,
  call: (name, request, bearer) => {
    const fn = byName.get(name);
    if (!fn?.operation) throw new Error(`${name} is not a loaded HTTP function of stack.yml`);
    return callFunction(fn, request, bearer);
  },
  operation: (name) => {
    const fn = byName.get(name);
    if (!fn?.operation) throw new Error(`${name} is not a loaded HTTP function of stack.yml`);
    return fn.operation;
  },
};

/** Built once per service, in its suite's beforeAll; shared by all of that service's cases. */
const built = new Map<string, ServiceFixtures>();
const entryOf = (fn: MatrixFunction): OperationFixture | undefined => built.get(fn.service)?.operations[fn.name];

afterAll(async () => {
  await closeConnections();
  for (const teardown of teardowns) await teardown();
});

describe.each(services)('two-tenant authorization matrix: %s', (service) => {
  const operations = httpFunctions.filter((fn) => fn.service === service);

  beforeAll(async () => {
    const file = files.get(service);
    if (!file) return;
    built.set(service, await (await loadFixtureFactory(file))(context));
  });

  it('fixture entries name real operations of this service, classified as stack.yml says', () => {
    const fixtures = built.get(service);
    if (!fixtures) return;
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(fixtures.operations)) {
      const fn = byName.get(name);
      if (!fn?.operation || fn.service !== service) {
        problems.push(`${name}: not an HTTP operation of ${service} in stack.yml`);
        continue;
      }
      const auth = fn.operation.auth;
      if ((entry.access.kind === 'public') !== (auth === 'public')) problems.push(`${name}: auth is '${auth}', the fixture says '${entry.access.kind}'`);
      if ((entry.access.kind === 'platform') !== (auth === 'platform')) problems.push(`${name}: auth is '${auth}', the fixture says '${entry.access.kind}'`);
      if (entry.access.kind !== 'public' && !entry.request) problems.push(`${name}: a ${entry.access.kind} operation needs a request`);
    }
    expect(problems).toEqual([]);
  });

  describe.each(operations.map((fn) => [fn.name, fn] as const))('%s', (_name, fn) => {
    const operation = fn.operation!;

    /** The fixture's valid request, or one that only routes (auth runs before validation). */
    const requestFor = async (): Promise<{ request: OperationRequest; placeholders: boolean }> => {
      const entry = entryOf(fn);
      return entry?.request ? { request: await entry.request(), placeholders: false } : { request: {}, placeholders: true };
    };
    const readA = async (): Promise<unknown> => {
      const fixtures = built.get(service);
      const entry = entryOf(fn);
      return entry?.read ? entry.read() : fixtures?.snapshot();
    };
    const markers = (): string[] => built.get(service)?.markers() ?? [];
    /** Whether a collection's reply shows tenant A's data: the fixture's test, or any of A's markers in it. */
    const showsTenantA = (entry: OperationFixture, body: unknown): boolean =>
      entry.access.kind === 'collection' && entry.access.showsTenantA
        ? entry.access.showsTenantA(body)
        : leakedMarkers({ status: 200, headers: {}, body }, markers(), {}).length > 0;
    /** Tenant A's data reads back the same after `act`, whose reply is returned. */
    const unchanged = async (act: (request: OperationRequest, placeholders: boolean) => ReturnType<typeof callFunction>) => {
      const { request, placeholders } = await requestFor();
      const before = await readA();
      const reply = await act(request, placeholders);
      expect(await readA(), `tenant A's data changed after ${describeReply(reply)}`).toEqual(before);
      return { reply, request };
    };
    const validRequest = async (): Promise<OperationRequest> => {
      const entry = entryOf(fn);
      const request = await entry!.request!();
      expect(requestIssues(operation, request), `the fixture's request for ${fn.name} is not valid against its schemas`).toEqual([]);
      return request;
    };

    if (operation.auth === 'public') {
      it('public: no token needed, outside BFLA and token-based BOLA', async ({ skip }) => {
        const entry = entryOf(fn);
        if (!entry) return skip();
        expect(entry.access.kind).toBe('public');
        if (!entry.request) return;
        const request = await validRequest();
        const reply = await callFunction(fn, request);
        expect(reply.status, describeReply(reply)).toBeGreaterThanOrEqual(200);
        expect(reply.status, describeReply(reply)).toBeLessThan(300);
      });
      return;
    }

    it('BFLA: no token → 401, nothing changed', async () => {
      const { reply } = await unchanged((request, placeholders) => callFunction(fn, request, undefined, placeholders));
      expect(reply, describeReply(reply)).toMatchObject({ status: 401, body: { code: 'token_missing' } });
    });

    const below = rolesBelow(operation.auth);
    if (below.length > 0) {
      it.each(below)(`BFLA: tenant A's %s (below ${operation.auth}) → 403, nothing changed`, async (role) => {
        const bearer = await token(tenantA, [role]);
        const { reply } = await unchanged((request, placeholders) => callFunction(fn, request, bearer, placeholders));
        expect(reply, describeReply(reply)).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
      });
    }

    if (operation.auth !== 'platform') {
      it("BOLA: tenant B's owner with tenant A's request → refused or isolated, nothing read or changed", async ({ skip }) => {
        const entry = entryOf(fn);
        if (!entry?.request) return skip();
        const request = await validRequest();
        const bearer = await token(tenantB, ['owner']);
        const before = await readA();
        const reply = await callFunction(fn, request, bearer);
        const kind = entry.access.kind;
        if (kind === 'target') {
          expect([403, 404], `tenant B reached tenant A's resource: ${describeReply(reply)}`).toContain(reply.status);
        } else if (kind === 'collection') {
          expect(reply.status, `a ${kind} must answer tenant B: ${describeReply(reply)}`).toBeGreaterThanOrEqual(200);
          expect(reply.status, describeReply(reply)).toBeLessThan(300);
          expect(showsTenantA(entry, reply.body), `tenant B's ${fn.name} shows tenant A's data: ${describeReply(reply)}`).toBe(false);
        }
        expect(leakedMarkers(reply, markers(), request), `tenant A's data in tenant B's reply: ${describeReply(reply)}`).toEqual([]);
        expect(await readA(), `tenant A's data changed after tenant B's ${describeReply(reply)}`).toEqual(before);
      });

      it("BOLA: tenant B's owner stating tenant A (x-tenant-id) → 403 tenant_mismatch, nothing changed", async () => {
        const bearer = await token(tenantB, ['owner']);
        const { reply } = await unchanged((request, placeholders) =>
          callFunction(fn, { ...request, headers: { ...request.headers, 'x-tenant-id': tenantA } }, bearer, placeholders),
        );
        expect(reply, describeReply(reply)).toMatchObject({ status: 403, body: { code: 'tenant_mismatch' } });
      });
    }

    it(`control: tenant A's own request succeeds (2xx)`, async ({ skip }) => {
      const entry = entryOf(fn);
      if (!entry?.request) return skip();
      const request = await validRequest();
      const role = entry.controlRole ?? operation.auth;
      const bearer = entry.controlToken ? await entry.controlToken() : await token(tenantA, [role as Role]);
      const reply = await callFunction(fn, request, bearer);
      expect(reply.status, `tenant A's ${role} was refused its own request: ${describeReply(reply)}`).toBeGreaterThanOrEqual(200);
      expect(reply.status, describeReply(reply)).toBeLessThan(300);
      if (entry.access.kind === 'collection') {
        expect(
          showsTenantA(entry, reply.body),
          `tenant A's own ${fn.name} does not show A's data, so B's empty answer proves nothing: ${describeReply(reply)}`,
        ).toBe(true);
      }
    });
  });
});

// Last: it reads the fixtures the service suites built.
describe('two-tenant authorization matrix: coverage', () => {
  it('loads every stack.yml function module', () => {
    const failed = functions.filter((fn) => fn.loadError).map((fn) => `${fn.name} (${fn.handler}): ${fn.loadError}`);
    expect(failed, `stack.yml functions whose module does not load, so the matrix cannot cover them:\n${failed.join('\n')}`).toEqual([]);
  });

  it('has a fixture entry for every HTTP operation', () => {
    const missing: string[] = [];
    for (const fn of httpFunctions) {
      const file = files.get(fn.service);
      const where = `tests/integration/matrix/fixtures/${fn.service}.ts`;
      if (!file) {
        missing.push(`${fn.name} (${fn.operation!.method} ${fn.operation!.path ?? '/'}, auth ${fn.operation!.auth}): no ${where}`);
        continue;
      }
      const fixtures = built.get(fn.service);
      if (!fixtures) missing.push(`${fn.name}: ${where} did not build (see the failure of its suite's cases)`);
      else if (!fixtures.operations[fn.name]) {
        missing.push(`${fn.name} (${fn.operation!.method} ${fn.operation!.path ?? '/'}, auth ${fn.operation!.auth}): no entry '${fn.name}' in ${where}`);
      }
    }
    expect(missing, `HTTP operations without a matrix fixture (BOLA and the positive control do not run for them):\n${missing.join('\n')}`).toEqual([]);
  });
});
