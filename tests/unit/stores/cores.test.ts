import { describe, expect, it, vi } from 'vitest';
import { makeCreateStore } from '../../../functions/stores/create';
import { CLAIM_GRACE_MS, makeSetDomain } from '../../../functions/stores/domain-set';
import { makeVerifyDomain } from '../../../functions/stores/domain-verify';
import { makeGetStore } from '../../../functions/stores/get';
import { makeListStores } from '../../../functions/stores/list';
import { makeUpdateStore } from '../../../functions/stores/update';
import { storeInput } from '../../../functions/stores/schemas';
import { memoryDeps } from './memory';

const input = (overrides: Record<string, unknown> = {}) => storeInput.parse({ name: 'Atelier Nord', ...overrides });
const dnsError = (code: string) => Object.assign(new Error(`queryTxt ${code}`), { code });

describe('stores-create', () => {
  it('reserves the plan allowance and writes the store with its created event', async () => {
    const { deps, used, outboxOf } = memoryDeps();
    const created = await makeCreateStore(deps)(input({ slug: 'nord' }), 't1');
    expect(created).toMatchObject({ tenantId: 't1', name: 'Atelier Nord', slug: 'nord', version: 1, domain: null, domainChallenge: null });
    expect(used.get('t1')).toBe(1);
    expect(outboxOf('t1', created.id)).toEqual(['stores.store.created.v1']);
    expect(deps.nudge).toHaveBeenCalledWith(created.id);
  });

  it('over the plan: 403 plan_limit_exceeded naming the limit, and nothing written', async () => {
    const { deps, rows, used } = memoryDeps({ limit: 1 });
    await makeCreateStore(deps)(input(), 't1');
    await expect(makeCreateStore(deps)(input({ name: 'Second' }), 't1')).rejects.toMatchObject({
      status: 403,
      code: 'plan_limit_exceeded',
      extras: { limit: { resource: 'stores', max: 1 } },
    });
    expect(rows.size).toBe(1);
    expect(used.get('t1')).toBe(1);
    // Another tenant has its own allowance.
    await expect(makeCreateStore(deps)(input(), 't2')).resolves.toMatchObject({ tenantId: 't2' });
  });

  it('gives the allowance back when the write fails', async () => {
    const { deps, used } = memoryDeps({ limit: 5 });
    await makeCreateStore(deps)(input({ slug: 'nord' }), 't1');
    await expect(makeCreateStore(deps)(input({ slug: 'nord' }), 't1')).rejects.toMatchObject({ code: 'slug_taken' });
    expect(used.get('t1')).toBe(1);
    expect(deps.nudge).toHaveBeenCalledTimes(1);
  });
});

describe('stores-get and stores-list', () => {
  it('reads one tenant only, and pages by cursor', async () => {
    const { deps } = memoryDeps({ limit: 10 });
    const mine = [];
    for (let i = 0; i < 3; i += 1) mine.push(await makeCreateStore(deps)(input({ name: `Store ${i}` }), 't1'));
    const theirs = await makeCreateStore(deps)(input(), 't2');
    expect(await makeGetStore(deps)('t1', mine[0]!.id)).toEqual(mine[0]);
    await expect(makeGetStore(deps)('t1', theirs.id)).rejects.toMatchObject({ status: 404 });

    const first = await makeListStores(deps)('t1', { limit: 2 });
    expect(first.items.map((s) => s.id)).toEqual([mine[0]!.id, mine[1]!.id]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await makeListStores(deps)('t1', { limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [mine[2]], nextCursor: null });
  });
});

describe('stores-update', () => {
  it('renames and re-themes at the expected version only', async () => {
    const { deps, outboxOf } = memoryDeps();
    const created = await makeCreateStore(deps)(input(), 't1');
    const updated = await makeUpdateStore(deps)('t1', created.id, 1, { name: 'Atelier Süd', theme: { colors: { primary: '#0A0' }, layout: 'grid' } });
    expect(updated).toMatchObject({ name: 'Atelier Süd', version: 2, theme: { layout: 'grid', colors: { primary: '#00aa00' } } });
    expect(outboxOf('t1', created.id)).toEqual(['stores.store.created.v1', 'stores.store.updated.v1']);
    await expect(makeUpdateStore(deps)('t1', created.id, 1, { name: 'x' })).rejects.toMatchObject({ status: 412, extras: { currentVersion: 2 } });
    await expect(makeUpdateStore(deps)('t2', created.id, 2, { name: 'x' })).rejects.toMatchObject({ status: 404 });
  });

  it('reports a lost race as a precondition failure', async () => {
    const { deps, stores } = memoryDeps();
    const created = await makeCreateStore(deps)(input(), 't1');
    vi.spyOn(stores, 'replace').mockResolvedValueOnce(false);
    await expect(makeUpdateStore(deps)('t1', created.id, 1, { name: 'x' })).rejects.toMatchObject({ status: 412 });
  });
});

describe('stores-domain-set', () => {
  it('claims the domain, issues a challenge and emits the update', async () => {
    const { deps, claims, outboxOf } = memoryDeps();
    const created = await makeCreateStore(deps)(input(), 't1');
    const set = await makeSetDomain(deps)('t1', created.id, 1, 'Shop.Example.com.');
    expect(set).toMatchObject({
      domain: 'shop.example.com',
      domainVerified: false,
      version: 2,
      domainChallenge: { type: 'TXT', name: '_marketplace-challenge.shop.example.com', value: 'mp-verify=token-1' },
    });
    expect(claims.get('shop.example.com')).toMatchObject({ tenantId: 't1', storeId: created.id });
    expect(outboxOf('t1', created.id)).toEqual(['stores.store.created.v1', 'stores.store.updated.v1']);
    // The same domain again changes nothing: same version, same token.
    expect(await makeSetDomain(deps)('t1', created.id, 2, 'shop.example.com')).toEqual(set);
  });

  it("refuses another tenant's domain with 409 and changes nothing", async () => {
    const { deps, claims, rows } = memoryDeps();
    const a = await makeCreateStore(deps)(input(), 'tA');
    const b = await makeCreateStore(deps)(input(), 'tB');
    await makeSetDomain(deps)('tA', a.id, 1, 'shop.example.com');
    await expect(makeSetDomain(deps)('tB', b.id, 1, 'shop.example.com')).rejects.toMatchObject({
      status: 409,
      code: 'domain_taken',
      extras: { domain: 'shop.example.com' },
    });
    expect(rows.get(`tB/${b.id}`)!.store).toMatchObject({ version: 1, domain: null });
    expect(claims.get('shop.example.com')).toMatchObject({ tenantId: 'tA' });
  });

  it('refuses a domain another store of the same tenant uses', async () => {
    const { deps } = memoryDeps({ limit: 2 });
    const one = await makeCreateStore(deps)(input(), 't1');
    const two = await makeCreateStore(deps)(input(), 't1');
    await makeSetDomain(deps)('t1', one.id, 1, 'shop.example.com');
    await expect(makeSetDomain(deps)('t1', two.id, 1, 'shop.example.com')).rejects.toThrow(/another of your stores/);
  });

  it('changing the domain resets verification and frees the old one; null detaches it', async () => {
    const { deps, claims } = memoryDeps();
    const created = await makeCreateStore(deps)(input(), 't1');
    await makeSetDomain(deps)('t1', created.id, 1, 'shop.example.com');
    await makeVerifyDomain({ ...deps, resolver: { resolveTxt: async () => [['mp-verify=token-1']] } })('t1', created.id);
    const moved = await makeSetDomain(deps)('t1', created.id, 3, 'www.example.com');
    expect(moved).toMatchObject({ domain: 'www.example.com', domainVerified: false, domainVerifiedAt: null, version: 4 });
    expect(moved.domainChallenge?.value).toBe('mp-verify=token-2');
    expect([...claims.keys()]).toEqual(['www.example.com']);
    const detached = await makeSetDomain(deps)('t1', created.id, 4, null);
    expect(detached).toMatchObject({ domain: null, domainChallenge: null, version: 5 });
    expect(claims.size).toBe(0);
  });

  it('needs the current version, and a lost race keeps the claim for the winner', async () => {
    const { deps, stores, claims } = memoryDeps();
    const created = await makeCreateStore(deps)(input(), 't1');
    await expect(makeSetDomain(deps)('t1', created.id, 2, 'shop.example.com')).rejects.toMatchObject({ status: 412 });
    expect(claims.size).toBe(0);
    vi.spyOn(stores, 'replace').mockResolvedValueOnce(false);
    await expect(makeSetDomain(deps)('t1', created.id, 1, 'shop.example.com')).rejects.toMatchObject({ status: 412 });
    // Held by this store: its next attempt proceeds.
    await expect(makeSetDomain(deps)('t1', created.id, 1, 'shop.example.com')).resolves.toMatchObject({ domain: 'shop.example.com' });
    await expect(makeSetDomain(deps)('t9', created.id, 1, 'shop.example.com')).rejects.toMatchObject({ status: 404 });
  });

  it('takes over a claim left behind by a store that no longer holds the domain, after the grace period', async () => {
    const { deps, stores, claims, clock } = memoryDeps();
    const a = await makeCreateStore(deps)(input(), 'tA');
    const b = await makeCreateStore(deps)(input(), 'tB');
    // tA's request claimed the domain and died before writing its store.
    vi.spyOn(stores, 'replace').mockRejectedValueOnce(new Error('connection reset'));
    await expect(makeSetDomain(deps)('tA', a.id, 1, 'shop.example.com')).rejects.toThrow('connection reset');
    expect(claims.get('shop.example.com')).toMatchObject({ tenantId: 'tA' });
    await expect(makeSetDomain(deps)('tB', b.id, 1, 'shop.example.com')).rejects.toMatchObject({ code: 'domain_taken' });
    clock.advance(CLAIM_GRACE_MS + 1);
    await expect(makeSetDomain(deps)('tB', b.id, 1, 'shop.example.com')).resolves.toMatchObject({ domain: 'shop.example.com' });
    expect(claims.get('shop.example.com')).toMatchObject({ tenantId: 'tB', storeId: b.id });
  });

  it('never takes over a claim whose store holds the domain, however old', async () => {
    const { deps, clock } = memoryDeps();
    const a = await makeCreateStore(deps)(input(), 'tA');
    const b = await makeCreateStore(deps)(input(), 'tB');
    await makeSetDomain(deps)('tA', a.id, 1, 'shop.example.com');
    clock.advance(30 * 24 * 3600 * 1000);
    await expect(makeSetDomain(deps)('tB', b.id, 1, 'shop.example.com')).rejects.toMatchObject({ code: 'domain_taken' });
  });

  it('logs, and still answers, when the old claim cannot be freed', async () => {
    const { deps, domains } = memoryDeps();
    const created = await makeCreateStore(deps)(input(), 't1');
    await makeSetDomain(deps)('t1', created.id, 1, 'shop.example.com');
    vi.spyOn(domains, 'release').mockRejectedValueOnce(new Error('timeout'));
    await expect(makeSetDomain(deps)('t1', created.id, 2, 'www.example.com')).resolves.toMatchObject({ domain: 'www.example.com' });
    expect(deps.log.warn).toHaveBeenCalledOnce();
  });
});

describe('stores-domain-verify', () => {
  const setUp = async (records: () => Promise<string[][]>) => {
    const memory = memoryDeps();
    const created = await makeCreateStore(memory.deps)(input(), 't1');
    await makeSetDomain(memory.deps)('t1', created.id, 1, 'shop.example.com');
    const resolveTxt = vi.fn(records);
    const verify = makeVerifyDomain({ ...memory.deps, resolver: { resolveTxt } });
    return { ...memory, id: created.id, verify, resolveTxt };
  };

  it('a matching record verifies the domain with domainVerified and storeUpdated in one write', async () => {
    const { verify, id, resolveTxt, outboxOf } = await setUp(async () => [['v=spf1 -all'], ['mp-verify=', 'token-1']]);
    const verified = await verify('t1', id);
    expect(resolveTxt).toHaveBeenCalledWith('_marketplace-challenge.shop.example.com');
    expect(verified).toMatchObject({ domainVerified: true, domainVerifiedAt: '2026-11-25T10:00:00.000Z', version: 3, domainChallenge: null });
    expect(outboxOf('t1', id)).toEqual(['stores.store.created.v1', 'stores.store.updated.v1', 'stores.domain.verified.v1', 'stores.store.updated.v1']);
    // Verified stays verified without asking DNS again.
    expect(await verify('t1', id)).toEqual(verified);
    expect(resolveTxt).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['NXDOMAIN', async () => Promise.reject(dnsError('ENOTFOUND')), 'domain_challenge_not_found'],
    ['no TXT data', async () => Promise.reject(dnsError('ENODATA')), 'domain_challenge_not_found'],
    ['an empty answer', async () => [], 'domain_challenge_not_found'],
    ['a wrong token', async () => [['mp-verify=token-0']], 'domain_challenge_mismatch'],
  ])('%s → 422 and nothing changed', async (_, records, code) => {
    const { verify, id, rows, outboxOf } = await setUp(records as () => Promise<string[][]>);
    const before = rows.get(`t1/${id}`)!.store;
    await expect(verify('t1', id)).rejects.toMatchObject({ status: 422, code, extras: { record: { name: '_marketplace-challenge.shop.example.com' } } });
    expect(rows.get(`t1/${id}`)!.store).toBe(before);
    expect(outboxOf('t1', id)).toHaveLength(2);
  });

  it('a resolver timeout → 503 with Retry-After, nothing changed', async () => {
    const { verify, id, rows } = await setUp(async () => Promise.reject(dnsError('ETIMEOUT')));
    await expect(verify('t1', id)).rejects.toMatchObject({ status: 503, code: 'dns_unavailable', headers: { 'retry-after': '5' } });
    expect(rows.get(`t1/${id}`)!.store.domainVerified).toBe(false);
  });

  it('without a domain → 409; unknown store → 404; a concurrent change → 409 store_changed', async () => {
    const { deps, verify, id, stores } = await setUp(async () => [['mp-verify=token-1']]);
    const bare = await makeCreateStore({ ...deps, quota: { reserve: async () => undefined, release: async () => undefined } })(input(), 't1');
    await expect(verify('t1', bare.id)).rejects.toMatchObject({ status: 409, code: 'domain_not_set' });
    await expect(verify('t2', id)).rejects.toMatchObject({ status: 404 });
    vi.spyOn(stores, 'replace').mockResolvedValueOnce(false);
    await expect(verify('t1', id)).rejects.toMatchObject({ status: 409, code: 'store_changed' });
  });
});
