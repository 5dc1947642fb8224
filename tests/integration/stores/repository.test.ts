import { afterAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import pino from 'pino';
import { closeConnections, serviceDb } from '../../../layers/connections';
import { writeTenantPlan } from '../../../layers/plans/projection';
import { usageOf } from '../../../layers/plans/quota';
import { storeDeps } from '../../../functions/stores/deps';
import { makeCreateStore } from '../../../functions/stores/create';
import { CLAIM_GRACE_MS, makeSetDomain } from '../../../functions/stores/domain-set';
import { domainClaimModel, storeModel } from '../../../functions/stores/model';
import { domainRegistry, storeRepository } from '../../../functions/stores/repository';
import { buildStore } from '../../../functions/stores/rules';
import { storeInput } from '../../../functions/stores/schemas';

const log = pino({ level: 'silent' });
const tenant = () => `t-${uuidv7()}`;
const make = (tenantId: string, overrides: Record<string, unknown> = {}) =>
  buildStore(storeInput.parse({ name: 'Atelier Nord', ...overrides }), { id: uuidv7(), tenantId, now: new Date() });
const domain = () => `shop-${uuidv7().slice(-12)}.example.com`;

afterAll(closeConnections);

describe('mongo store repository (FerretDB)', () => {
  it('writes a store with its outbox, reads it back in its tenant only, replaces at the expected version', async () => {
    const stores = await storeRepository();
    const t = tenant();
    const s = make(t, { slug: 'nord', theme: { logoUrl: 'https://cdn.example.com/l.svg' } });
    await stores.insert(s, []);
    expect(await stores.get(t, s.id)).toEqual(s);
    expect(await stores.get(tenant(), s.id)).toBeUndefined();
    const next = { ...s, name: 'Atelier Süd', domain: 'a.example.com', challengeToken: 'tok', version: 2 };
    expect(await stores.replace(next, 1, [])).toBe(true);
    expect(await stores.replace({ ...next, version: 3 }, 1, [])).toBe(false);
    expect(await stores.replace({ ...next, tenantId: tenant(), version: 3 }, 2, [])).toBe(false);
    expect(await stores.get(t, s.id)).toEqual(next);
  });

  it('keeps slugs unique per tenant, and any number of stores without one', async () => {
    const stores = await storeRepository();
    const t = tenant();
    await stores.insert(make(t, { slug: 'main' }), []);
    await expect(stores.insert(make(t, { slug: 'main' }), [])).rejects.toMatchObject({ status: 409, code: 'slug_taken' });
    await stores.insert(make(t), []);
    await stores.insert(make(t), []);
    await stores.insert(make(tenant(), { slug: 'main' }), []);
    expect(await stores.list(t, { limit: 10 })).toHaveLength(3);
  });

  it('refuses an unscoped query at the data layer', async () => {
    const model = storeModel(await serviceDb('stores'));
    await expect(model.findOne({ _id: uuidv7() }).lean()).rejects.toMatchObject({ code: 'tenant_scope_missing' });
    await expect(domainClaimModel(await serviceDb('stores')).deleteOne({ _id: 'x.example.com' })).rejects.toMatchObject({ code: 'tenant_scope_missing' });
  });
});

describe('domain registry (FerretDB)', () => {
  it('one holder per domain, platform-wide; release and evict touch only the claim they name', async () => {
    const domains = await domainRegistry();
    const name = domain();
    const first = { domain: name, tenantId: tenant(), storeId: uuidv7(), claimedAt: new Date(Date.now() - 5_000) };
    expect(await domains.claim(first)).toEqual({ claimed: true });
    const second = { domain: name, tenantId: tenant(), storeId: uuidv7(), claimedAt: new Date() };
    expect(await domains.claim(second)).toEqual({ claimed: false, holder: first });

    await domains.release({ domain: name, tenantId: second.tenantId, storeId: second.storeId });
    expect(await domains.evict({ ...first, claimedAt: new Date(first.claimedAt.getTime() + 1) })).toBe(false);
    expect(await domains.claim(second)).toMatchObject({ claimed: false, holder: { tenantId: first.tenantId } });
    expect(await domains.evict(first)).toBe(true);
    expect(await domains.claim(second)).toEqual({ claimed: true });
    await domains.release(second);
    expect(await domains.claim(first)).toEqual({ claimed: true });
  });

  it('takes over a claim left by a request that died before writing its store', async () => {
    const deps = await storeDeps(log);
    const a = tenant();
    const b = tenant();
    const storeA = await makeCreateStore(deps)(storeInput.parse({ name: 'A' }), a);
    const storeB = await makeCreateStore(deps)(storeInput.parse({ name: 'B' }), b);
    const name = domain();
    // A's claim, written long ago; A's store never got the domain.
    await deps.domains.claim({ domain: name, tenantId: a, storeId: storeA.id, claimedAt: new Date(Date.now() - CLAIM_GRACE_MS - 1_000) });
    const set = await makeSetDomain(deps)(b, storeB.id, 1, name);
    expect(set).toMatchObject({ tenantId: b, domain: name });
    expect(await deps.domains.claim({ domain: name, tenantId: a, storeId: storeA.id, claimedAt: new Date() })).toMatchObject({
      claimed: false,
      holder: { tenantId: b, storeId: storeB.id },
    });
  });

  it('two tenants racing for one domain: exactly one gets it', async () => {
    const deps = await storeDeps(log);
    const name = domain();
    const contenders = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const t = tenant();
        return { t, store: await makeCreateStore(deps)(storeInput.parse({ name: 'Racer' }), t) };
      }),
    );
    const results = await Promise.allSettled(contenders.map(({ t, store }) => makeSetDomain(deps)(t, store.id, 1, name)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'domain_taken' });
  });
});

describe('plan quota under concurrency (Redis)', () => {
  it('a FREE tenant creating stores at once gets exactly one', async () => {
    const deps = await storeDeps(log);
    const t = tenant();
    await writeTenantPlan(t, { plan: 'FREE', type: 'SELLER_INDIVIDUAL', status: 'active', version: 1 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => makeCreateStore(deps)(storeInput.parse({ name: `S${i}` }), t)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(4).fill('plan_limit_exceeded'));
    expect(await deps.stores.list(t, { limit: 10 })).toHaveLength(1);
    expect((await usageOf(t)).stores).toBe(1);
  });
});
