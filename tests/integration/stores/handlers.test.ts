import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { closeConnections, serviceDb } from '../../../layers/connections';
import { resetCircuitBreakers } from '../../../layers/circuit-breaker';
import { usageOf } from '../../../layers/plans/quota';
import { writeTenantPlan } from '../../../layers/plans/projection';
import type { Role } from '../../../layers/auth/types';
import { storeModel } from '../../../functions/stores/model';
import { idempotencyKey, invoke, useTestKeys } from '../support/invoke';
import { startDnsResponder, type DnsResponder } from './dns-responder';

type Mod = Parameters<typeof invoke>[0];
interface StoreBody {
  id: string;
  tenantId: string;
  name: string;
  version: number;
  domain: string | null;
  domainVerified: boolean;
  domainChallenge: { type: 'TXT'; name: string; value: string } | null;
  theme: Record<string, unknown>;
}

let token: (tenantId: string, roles?: Role[]) => Promise<string>;
let dns: DnsResponder;
const fns: Record<string, Mod> = {};

beforeAll(async () => {
  token = await useTestKeys();
  // The functions ask this responder, and give up on a silent one quickly.
  dns = await startDnsResponder();
  process.env.DNS_SERVERS = dns.server;
  process.env.DNS_TIMEOUT_MS = '400';
  process.env.DNS_TRIES = '1';
  // Imported after the keys and DNS servers are set: each function reads its configuration at load.
  const modules = {
    create: import('../../../functions/stores/create'),
    get: import('../../../functions/stores/get'),
    list: import('../../../functions/stores/list'),
    update: import('../../../functions/stores/update'),
    'domain-set': import('../../../functions/stores/domain-set'),
    'domain-verify': import('../../../functions/stores/domain-verify'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});
afterAll(async () => {
  resetCircuitBreakers();
  await dns.close();
  await closeConnections();
});

const tenant = () => `t-${uuidv7()}`;
/** A tenant on `plan` (tests give tenants without a projection ENTERPRISE: tests/support/integration-env.ts). */
const tenantOn = async (plan: 'FREE' | 'PRO') => {
  const id = tenant();
  await writeTenantPlan(id, { plan, type: 'SELLER_BUSINESS', status: 'active', version: 1 });
  return id;
};
const domain = (label = 'shop') => `${label}-${uuidv7().slice(-12)}.example.com`;

const create = async (tenantId: string, body: Record<string, unknown> = { name: 'Atelier Nord' }) => {
  const reply = await invoke<StoreBody>(fns.create!, { method: 'POST', token: await token(tenantId), body, headers: idempotencyKey() });
  expect(reply.status).toBe(201);
  return reply.body;
};
const get = async (tenantId: string, id: string, role: Role = 'admin') => invoke<StoreBody>(fns.get!, { path: `/${id}`, token: await token(tenantId, [role]) });
const setDomain = async (tenantId: string, id: string, version: number, name: string | null) =>
  invoke<StoreBody & { code?: string }>(fns['domain-set']!, {
    method: 'PUT',
    path: `/${id}`,
    token: await token(tenantId),
    body: { domain: name },
    headers: { 'if-match': `"${version}"` },
  });
const verify = async (tenantId: string, id: string) =>
  invoke<StoreBody & { code?: string; record?: unknown }>(fns['domain-verify']!, { method: 'POST', path: `/${id}`, token: await token(tenantId) });
const outboxTypes = async (id: string): Promise<string[]> => {
  const doc = await storeModel(await serviceDb('stores'))
    .findOne({ _id: id })
    .setOptions({ crossTenant: true }) // a test's look at the raw document
    .lean();
  return (doc?.outbox ?? []).map((e) => e.type);
};

describe('stores handlers on FerretDB and Redis', () => {
  it('create → get with an ETag → update with If-Match → list', async () => {
    const t = tenant();
    const created = await create(t, { name: 'Atelier Nord', slug: 'nord', theme: { colors: { primary: '#0A0' }, font: 'Lato' } });
    expect(created).toMatchObject({ tenantId: t, slug: 'nord', version: 1, domain: null, theme: { font: 'Lato', colors: { primary: '#00aa00' } } });

    const got = await get(t, created.id, 'customer');
    expect(got).toMatchObject({ status: 200, body: created });
    expect(got.headers.etag).toBe('"1"');

    const patch = { name: 'Atelier Süd', theme: { layout: 'grid', logoUrl: 'https://cdn.example.com/logo.svg' } };
    const manager = await token(t, ['manager']);
    const updated = await invoke<StoreBody>(fns.update!, {
      method: 'PATCH',
      path: `/${created.id}`,
      token: manager,
      body: patch,
      headers: { 'if-match': '"1"' },
    });
    expect(updated).toMatchObject({ status: 200, body: { name: 'Atelier Süd', version: 2, theme: { layout: 'grid', font: 'Lato' } } });
    expect(updated.headers.etag).toBe('"2"');
    const stale = await invoke(fns.update!, { method: 'PATCH', path: `/${created.id}`, token: manager, body: { name: 'x' }, headers: { 'if-match': '"1"' } });
    expect(stale).toMatchObject({ status: 412, body: { code: 'precondition_failed', currentVersion: 2 } });
    const unconditional = await invoke(fns.update!, { method: 'PATCH', path: `/${created.id}`, token: manager, body: { name: 'x' } });
    expect(unconditional.status).toBe(400);

    const listed = await invoke<{ items: StoreBody[] }>(fns.list!, { token: await token(t, ['customer']) });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.id, name: 'Atelier Süd', version: 2 })]);
    expect(await outboxTypes(created.id)).toEqual(['stores.store.created.v1', 'stores.store.updated.v1']);
  });

  it('lists one tenant only, in pages', async () => {
    const a = await tenantOn('PRO');
    const ids = [];
    for (const name of ['One', 'Two', 'Three']) ids.push((await create(a, { name })).id);
    await create(tenant());
    const auth = await token(a, ['customer']);
    const first = await invoke<{ items: StoreBody[]; nextCursor: string }>(fns.list!, { token: auth, query: { limit: '2' } });
    expect(first.body.items.map((s) => s.id)).toEqual(ids.slice(0, 2));
    const second = await invoke<{ items: StoreBody[]; nextCursor: null }>(fns.list!, { token: auth, query: { limit: '2', cursor: first.body.nextCursor } });
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: ids[2], tenantId: a })], nextCursor: null });
  });

  it('over the plan → 403 plan_limit_exceeded naming the limit, and nothing created', async () => {
    const t = await tenantOn('FREE'); // one store
    const key = idempotencyKey();
    const first = await invoke<StoreBody>(fns.create!, { method: 'POST', token: await token(t), body: { name: 'Only' }, headers: key });
    expect(first.status).toBe(201);
    // A retry of the same request replays its answer and takes no second slot.
    const replay = await invoke<StoreBody>(fns.create!, { method: 'POST', token: await token(t), body: { name: 'Only' }, headers: key });
    expect(replay).toMatchObject({ status: 201, body: { id: first.body.id } });

    const over = await invoke(fns.create!, { method: 'POST', token: await token(t), body: { name: 'Second' }, headers: idempotencyKey() });
    expect(over).toMatchObject({ status: 403, body: { code: 'plan_limit_exceeded', limit: { resource: 'stores', max: 1, plan: 'FREE' } } });
    expect(over.headers['content-type']).toMatch(/application\/problem\+json/);
    const listed = await invoke<{ items: StoreBody[] }>(fns.list!, { token: await token(t) });
    expect(listed.body.items.map((s) => s.name)).toEqual(['Only']);
    expect((await usageOf(t)).stores).toBe(1);
  });

  it('a PRO tenant gets five; a duplicate slug is 409 and gives its slot back', async () => {
    const t = await tenantOn('PRO');
    await create(t, { name: 'Main', slug: 'main' });
    const clash = await invoke(fns.create!, { method: 'POST', token: await token(t), body: { name: 'Main again', slug: 'main' }, headers: idempotencyKey() });
    expect(clash).toMatchObject({ status: 409, body: { code: 'slug_taken' } });
    expect((await usageOf(t)).stores).toBe(1);
    for (let i = 2; i <= 5; i += 1) await create(t, { name: `Store ${i}` });
    const over = await invoke(fns.create!, { method: 'POST', token: await token(t), body: { name: 'Sixth' }, headers: idempotencyKey() });
    expect(over).toMatchObject({ status: 403, body: { code: 'plan_limit_exceeded', limit: { resource: 'stores', max: 5, plan: 'PRO' } } });
    // Another tenant may use the same slug.
    await create(tenant(), { name: 'Main', slug: 'main' });
  });

  it('requires an Idempotency-Key to create', async () => {
    const t = tenant();
    const reply = await invoke(fns.create!, { method: 'POST', token: await token(t), body: { name: 'No key' } });
    expect(reply).toMatchObject({ status: 400, body: { code: 'idempotency_key_missing' } });
    expect((await usageOf(t)).stores).toBe(0);
  });

  it.each([
    ['a theme with an http logo', 'update', { theme: { logoUrl: 'http://cdn.example.com/logo.png' } }, 'validation_failed'],
    ['a theme font outside the allow-list', 'update', { theme: { font: 'Papyrus' } }, 'validation_failed'],
    ['a colour that is not hex', 'update', { theme: { colors: { text: 'black' } } }, 'validation_failed'],
    ['an IP address as domain', 'domain-set', { domain: '203.0.113.7' }, 'validation_failed'],
    ['a wildcard domain', 'domain-set', { domain: '*.example.com' }, 'validation_failed'],
    ['a label over 63 characters', 'domain-set', { domain: `${'a'.repeat(64)}.example.com` }, 'validation_failed'],
    ['an operator in place of a domain', 'domain-set', { domain: { $ne: null } }, 'forbidden_key'],
  ])('%s → 400 and nothing changed', async (_, fn, body, code) => {
    const t = tenant();
    const created = await create(t);
    const reply = await invoke(fns[fn]!, {
      method: fn === 'update' ? 'PATCH' : 'PUT',
      path: `/${created.id}`,
      token: await token(t),
      body,
      headers: { 'if-match': '"1"' },
    });
    expect(reply).toMatchObject({ status: 400, body: { code } });
    expect((await get(t, created.id)).body).toEqual(created);
  });
});

describe('custom domains across tenants', () => {
  it("another tenant's domain → 409 domain_taken; once freed by a change, it can be taken", async () => {
    const a = tenant();
    const b = tenant();
    const storeA = await create(a);
    const storeB = await create(b);
    const shared = domain();

    const setA = await setDomain(a, storeA.id, 1, shared.toUpperCase());
    expect(setA).toMatchObject({
      status: 200,
      body: { domain: shared, domainVerified: false, version: 2, domainChallenge: { type: 'TXT', name: `_marketplace-challenge.${shared}` } },
    });
    expect(setA.body.domainChallenge!.value).toMatch(/^mp-verify=[A-Za-z0-9_-]{32}$/);
    expect(setA.headers.etag).toBe('"2"');
    // The challenge is for those who can act on it: a customer of the tenant reads the store without it.
    expect((await get(a, storeA.id, 'customer')).body).toMatchObject({ domain: shared, domainChallenge: null });
    const asAdmin = await invoke<StoreBody>(fns.get!, { path: `/${storeA.id}`, token: await token(a, ['admin']) });
    expect(asAdmin.body.domainChallenge).toEqual(setA.body.domainChallenge);

    const taken = await setDomain(b, storeB.id, 1, shared);
    expect(taken).toMatchObject({ status: 409, body: { code: 'domain_taken', domain: shared } });
    expect(JSON.stringify(taken.body)).not.toContain(a); // the holder is not named
    expect((await get(b, storeB.id)).body).toEqual(storeB);

    const moved = await setDomain(a, storeA.id, 2, domain('www'));
    expect(moved.body).toMatchObject({ version: 3, domainVerified: false });
    expect(moved.body.domainChallenge!.value).not.toBe(setA.body.domainChallenge!.value);
    expect(await setDomain(b, storeB.id, 1, shared)).toMatchObject({ status: 200, body: { domain: shared, tenantId: b } });
  });

  it('refuses a stale If-Match, and removes a domain with null', async () => {
    const t = tenant();
    const created = await create(t);
    const name = domain();
    expect((await setDomain(t, created.id, 7, name)).status).toBe(412);
    await setDomain(t, created.id, 1, name);
    expect(await setDomain(t, created.id, 2, null)).toMatchObject({ status: 200, body: { domain: null, domainChallenge: null, version: 3 } });
    // Freed: another tenant may take it now.
    const other = tenant();
    expect((await setDomain(other, (await create(other)).id, 1, name)).status).toBe(200);
  });
});

describe('domain verification against a real DNS responder', () => {
  const withDomain = async () => {
    const t = tenant();
    const created = await create(t);
    const set = await setDomain(t, created.id, 1, domain());
    expect(set.status).toBe(200);
    return { t, store: set.body, challenge: set.body.domainChallenge! };
  };

  it('a matching TXT record (split in chunks, beside others) → verified, with its events', async () => {
    const { t, store, challenge } = await withDomain();
    const value = challenge.value;
    dns.txt.set(challenge.name, [['v=spf1 -all'], [value.slice(0, 12), value.slice(12)]]);
    const verified = await verify(t, store.id);
    expect(verified).toMatchObject({ status: 200, body: { domainVerified: true, domainChallenge: null, version: store.version + 1 } });
    expect(verified.headers.etag).toBe(`"${store.version + 1}"`);
    expect(dns.queries).toContain(`TXT ${challenge.name}`);
    expect(await outboxTypes(store.id)).toEqual(['stores.store.created.v1', 'stores.store.updated.v1', 'stores.domain.verified.v1', 'stores.store.updated.v1']);
    // Verifying again answers the verified store and writes nothing.
    expect(await verify(t, store.id)).toMatchObject({ status: 200, body: { version: store.version + 1 } });
    expect(await outboxTypes(store.id)).toHaveLength(4);
  });

  it.each([
    ['no record (NXDOMAIN)', (_name: string, _value: string) => undefined, 'domain_challenge_not_found'],
    ['a name without TXT data', (name: string) => dns.empty.add(name), 'domain_challenge_not_found'],
    ['a wrong token', (name: string) => dns.txt.set(name, [['mp-verify=someone-elses-token']]), 'domain_challenge_mismatch'],
    ['the token without its prefix', (name: string, value: string) => dns.txt.set(name, [[value.replace('mp-verify=', '')]]), 'domain_challenge_mismatch'],
  ])('%s → 422 and nothing changed', async (_, publish, code) => {
    const { t, store, challenge } = await withDomain();
    publish(challenge.name, challenge.value);
    const reply = await verify(t, store.id);
    expect(reply).toMatchObject({ status: 422, body: { code, record: challenge } });
    expect(reply.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await get(t, store.id)).body).toEqual(store);
    expect(await outboxTypes(store.id)).toHaveLength(2);
  });

  it('a resolver that times out or fails → 503 with Retry-After, nothing changed', async () => {
    for (const fault of ['silent', 'failing'] as const) {
      const { t, store, challenge } = await withDomain();
      dns[fault].add(challenge.name);
      const reply = await verify(t, store.id);
      expect(reply).toMatchObject({ status: 503, body: { code: 'dns_unavailable' } });
      expect(reply.headers['retry-after']).toBe('5');
      expect((await get(t, store.id)).body).toEqual(store);
    }
  });

  it('a store without a domain → 409 domain_not_set', async () => {
    const t = tenant();
    const created = await create(t);
    expect(await verify(t, created.id)).toMatchObject({ status: 409, body: { code: 'domain_not_set' } });
  });
});

describe('tenancy and roles', () => {
  it.each([
    ['get', { path: '/ID' }],
    ['update', { method: 'PATCH', path: '/ID', body: { name: 'mine now' }, headers: { 'if-match': '"1"' } }],
    ['domain-set', { method: 'PUT', path: '/ID', body: { domain: 'stolen.example.com' }, headers: { 'if-match': '"1"' } }],
    ['domain-verify', { method: 'POST', path: '/ID' }],
  ])("another tenant's token on %s → 404, and the owner's store is untouched", async (fn, call) => {
    const owner = tenant();
    const created = await create(owner);
    const reply = await invoke(fns[fn]!, { ...call, path: call.path.replace('ID', created.id), token: await token(tenant()) } as never);
    expect(reply.status).toBe(404);
    expect((await get(owner, created.id)).body).toEqual(created);
  });

  it.each([
    ['create', 'manager', { method: 'POST', body: { name: 'x' }, headers: { 'idempotency-key': 'k-1' } }],
    ['update', 'staff', { method: 'PATCH', path: '/0190a0a0-0000-7000-8000-000000000001', body: { name: 'x' }, headers: { 'if-match': '"1"' } }],
    [
      'domain-set',
      'manager',
      { method: 'PUT', path: '/0190a0a0-0000-7000-8000-000000000001', body: { domain: 'a.example.com' }, headers: { 'if-match': '"1"' } },
    ],
    ['domain-verify', 'manager', { method: 'POST', path: '/0190a0a0-0000-7000-8000-000000000001' }],
  ])('%s refuses the %s role with 403', async (fn, role, call) => {
    const t = tenant();
    const reply = await invoke(fns[fn]!, { ...call, token: await token(t, [role as Role]) } as never);
    expect(reply).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
    expect((await usageOf(t)).stores).toBe(0);
  });

  it('refuses a request without a token', async () => {
    expect((await invoke(fns.list!, {})).status).toBe(401);
  });
});
