import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnections, redis } from '../../../layers/connections';
import { forgetTenantPlan, tenantPlanKey } from '../../../layers/plans/projection';
import { setUsage, usageKey } from '../../../layers/plans/quota';
import { invoke, useTestKeys } from '../support/invoke';
import { CONNECTOR_SECRET, deliver, eventTypes, newTenantId, onboardingCompleted, slugHolder, storedTenant, type TenantShape } from './support';

type Mod = Parameters<typeof invoke>[0];
type Role = 'customer' | 'staff' | 'manager' | 'admin' | 'owner';
let token: (tenantId: string, roles?: Role[]) => Promise<string>;
const fns: Record<string, Mod> = {};
const touched: string[] = [];

beforeAll(async () => {
  token = (await useTestKeys()) as typeof token;
  process.env.CONNECTOR_SECRET = CONNECTOR_SECRET;
  // Imported after the keys and secret are set: each function reads its configuration at load.
  const modules = {
    get: import('../../../functions/tenant/get'),
    update: import('../../../functions/tenant/update'),
    'plan-change': import('../../../functions/tenant/plan-change'),
    usage: import('../../../functions/tenant/usage'),
    'on-onboarding-completed': import('../../../functions/tenant/on-onboarding-completed'),
  };
  for (const [name, module] of Object.entries(modules)) fns[name] = (await module) as Mod;
});

afterAll(async () => {
  if (touched.length > 0) await (await redis()).del(...touched.flatMap((t) => [tenantPlanKey(t), usageKey(t)]));
  await closeConnections();
});

/** Provisions a tenant through its consumer, as the onboarding saga does. */
const provision = async (tenant: Partial<TenantShape> = {}) => {
  const tenantId = newTenantId();
  touched.push(tenantId);
  const entry = onboardingCompleted(tenantId, tenant);
  const reply = await deliver(fns['on-onboarding-completed']!, entry);
  expect(reply).toEqual({ status: 200, body: { status: 'processed' } });
  return { tenantId, entry, slug: JSON.parse(entry.data).tenant.slug as string };
};

describe('tenant-on-onboarding-completed on FerretDB and Redis', () => {
  it('provisions the tenant in one write with its provisioned event, its plan projection and usage counters', async () => {
    const { tenantId, entry, slug } = await provision({ plan: 'PRO', type: 'MARKETPLACE', name: 'Harbour Market' });
    const doc = await storedTenant(tenantId);
    expect(doc).toMatchObject({ _id: tenantId, tenantId, status: 'active', plan: 'PRO', slug, version: 1, failure: null });
    expect(eventTypes(doc)).toEqual(['tenant.tenant.provisioned.v1']);
    expect(doc!.outbox[0]).toMatchObject({ subject: tenantId, tenantId, causationId: entry.id, correlationId: entry.correlationId });
    expect(JSON.parse(doc!.outbox[0]!.data)).toEqual({
      ownerUserId: `user-${tenantId}`,
      ownerEmail: `user-${tenantId}`.slice(0, 40) + '@example.com',
      ownerName: 'Grace Hopper',
      name: 'Harbour Market',
      slug,
      type: 'MARKETPLACE',
      plan: 'PRO',
    });
    expect(await slugHolder(slug)).toBe(tenantId);
    const r = await redis();
    expect(await r.hgetall(tenantPlanKey(tenantId))).toEqual({ plan: 'PRO', type: 'MARKETPLACE', status: 'active', version: '1' });
    expect(await r.hgetall(usageKey(tenantId))).toEqual({ stores: '0', products: '0', staffSeats: '0' });
  });

  it('drops the same event delivered twice, and a re-run of the same request writes nothing more', async () => {
    const { tenantId, entry } = await provision();
    expect(await deliver(fns['on-onboarding-completed']!, entry)).toEqual({ status: 200, body: { status: 'duplicate' } });
    // The same request under a new event id gets past the inbox: the core itself must not provision twice.
    const again = { ...entry, id: `${entry.id.slice(0, -4)}ffff` };
    await setUsage(tenantId, { products: 3 });
    expect(await deliver(fns['on-onboarding-completed']!, again)).toEqual({ status: 200, body: { status: 'processed' } });
    const doc = await storedTenant(tenantId);
    expect(eventTypes(doc)).toEqual(['tenant.tenant.provisioned.v1']);
    expect(doc!.version).toBe(1);
    expect((await (await redis()).hgetall(usageKey(tenantId))).products).toBe('3');
  });

  it('records a slug taken by another tenant as a failed tenant carrying the failed event, and leaves nothing half-made', async () => {
    const first = await provision();
    const tenantId = newTenantId();
    touched.push(tenantId);
    const entry = onboardingCompleted(tenantId, { slug: first.slug });
    expect(await deliver(fns['on-onboarding-completed']!, entry)).toEqual({ status: 200, body: { status: 'processed' } });

    const doc = await storedTenant(tenantId);
    expect(doc).toMatchObject({ status: 'failed', failure: { code: 'slug_taken' } });
    expect(eventTypes(doc)).toEqual(['tenant.provisioning.failed.v1']);
    expect(doc!.outbox[0]).toMatchObject({ subject: tenantId, tenantId, causationId: entry.id });
    expect(JSON.parse(doc!.outbox[0]!.data)).toEqual({
      ownerUserId: `user-${tenantId}`,
      code: 'slug_taken',
      reason: `The slug ${first.slug} belongs to another tenant.`,
    });
    expect(await slugHolder(first.slug)).toBe(first.tenantId);
    expect(await (await redis()).exists(tenantPlanKey(tenantId), usageKey(tenantId))).toBe(0);
    expect((await invoke(fns.get!, { token: await token(tenantId) })).status).toBe(404);
    // Redelivered under a new id: still one failure, one event.
    expect(await deliver(fns['on-onboarding-completed']!, { ...entry, id: `${entry.id.slice(0, -4)}eeee` })).toMatchObject({ status: 200 });
    expect(eventTypes(await storedTenant(tenantId))).toEqual(['tenant.provisioning.failed.v1']);
  });

  it('frees a slug an interrupted run claimed when provisioning then fails', async () => {
    const tenantId = newTenantId();
    touched.push(tenantId);
    // A claim of this tenant's, as a run that crashed after claiming would leave it; the slug is reserved, so the run fails.
    await (
      await import('../../../layers/connections')
    )
      .serviceDb('tenant')
      .then((db) =>
        db.collection<{ _id: string; tenantId: string; claimedAt: Date }>('tenant_slugs').insertOne({ _id: 'www', tenantId, claimedAt: new Date() }),
      );
    expect((await deliver(fns['on-onboarding-completed']!, onboardingCompleted(tenantId, { slug: 'www' }))).status).toBe(200);
    expect(await storedTenant(tenantId)).toMatchObject({ status: 'failed', failure: { code: 'slug_reserved' } });
    expect(await slugHolder('www')).toBeUndefined();
  });

  it('refuses an event whose data breaks its schema with 422, provisioning nothing', async () => {
    const tenantId = newTenantId();
    const entry = onboardingCompleted(tenantId);
    const data = JSON.parse(entry.data);
    const reply = await deliver(fns['on-onboarding-completed']!, {
      ...entry,
      data: JSON.stringify({ ...data, tenant: { ...data.tenant, slug: 'Not A Slug' } }),
    });
    expect(reply).toMatchObject({ status: 422, body: { code: 'invalid_event_data' } });
    expect(await storedTenant(tenantId)).toBeNull();
  });
});

describe('tenant HTTP functions on FerretDB and Redis', () => {
  it('tenant-get serves staff and above their own tenant with an ETag; customers get 403', async () => {
    const { tenantId, slug } = await provision({ name: 'Lamp Works' });
    const got = await invoke(fns.get!, { token: await token(tenantId, ['staff']) });
    expect(got).toMatchObject({ status: 200, body: { id: tenantId, name: 'Lamp Works', slug, plan: 'FREE', status: 'active', settings: {}, version: 1 } });
    expect(got.body).not.toHaveProperty('outbox');
    expect(got.headers.etag).toBe('"1"');
    expect(await invoke(fns.get!, { token: await token(tenantId, ['customer']) })).toMatchObject({ status: 403, body: { code: 'insufficient_role' } });
    expect((await invoke(fns.get!, { token: await token(newTenantId()) })).status).toBe(404);
  });

  it('tenant-update renames and sets settings at the If-Match version, with its event; refuses stale, missing and bad input', async () => {
    const { tenantId } = await provision();
    const admin = await token(tenantId, ['admin']);
    const updated = await invoke(fns.update!, {
      method: 'PATCH',
      token: admin,
      headers: { 'if-match': '"1"' },
      body: { name: 'Lamp Works Ltd', settings: { defaultCurrency: 'EUR', timezone: 'Europe/Dublin' } },
    });
    expect(updated).toMatchObject({
      status: 200,
      body: { name: 'Lamp Works Ltd', settings: { defaultCurrency: 'EUR', timezone: 'Europe/Dublin' }, version: 2 },
    });
    expect(updated.headers.etag).toBe('"2"');
    const removed = await invoke(fns.update!, { method: 'PATCH', token: admin, headers: { 'if-match': '"2"' }, body: { settings: { timezone: null } } });
    expect(removed.body).toMatchObject({ settings: { defaultCurrency: 'EUR' }, version: 3 });
    expect(removed.body.settings).not.toHaveProperty('timezone');
    const doc = await storedTenant(tenantId);
    expect(eventTypes(doc)).toEqual(['tenant.tenant.provisioned.v1', 'tenant.tenant.updated.v1', 'tenant.tenant.updated.v1']);
    expect(JSON.parse(doc!.outbox[1]!.data)).toEqual({ name: 'Lamp Works Ltd', version: 2 });

    const refused = [
      await invoke(fns.update!, { method: 'PATCH', token: admin, headers: { 'if-match': '"1"' }, body: { name: 'stale' } }),
      await invoke(fns.update!, { method: 'PATCH', token: admin, body: { name: 'no precondition' } }),
      await invoke(fns.update!, { method: 'PATCH', token: admin, headers: { 'if-match': '"3"' }, body: { type: 'FRANCHISE' } }),
      await invoke(fns.update!, { method: 'PATCH', token: admin, headers: { 'if-match': '"3"' }, body: { plan: 'ENTERPRISE' } }),
      await invoke(fns.update!, { method: 'PATCH', token: admin, headers: { 'if-match': '"3"' }, body: { name: { $ne: null } } }),
      await invoke(fns.update!, { method: 'PATCH', token: admin, headers: { 'if-match': '"3"' }, body: { settings: { timezone: 'Nowhere/Town' } } }),
      await invoke(fns.update!, { method: 'PATCH', token: await token(tenantId, ['manager']), headers: { 'if-match': '"3"' }, body: { name: 'mine' } }),
    ];
    expect(refused.map((r) => [r.status, (r.body as { code?: string }).code])).toEqual([
      [412, 'precondition_failed'],
      [400, 'validation_failed'],
      [400, 'validation_failed'],
      [400, 'validation_failed'],
      [400, 'forbidden_key'],
      [400, 'validation_failed'],
      [403, 'insufficient_role'],
    ]);
    expect(await storedTenant(tenantId)).toMatchObject({ version: 3, type: 'SELLER_BUSINESS', plan: 'FREE' });
  });

  it("tenant-plan-change moves the owner's tenant up, projects the plan, and emits planChanged; below owner gets 403", async () => {
    const { tenantId } = await provision();
    expect(await invoke(fns['plan-change']!, { method: 'POST', token: await token(tenantId, ['admin']), body: { plan: 'PRO' } })).toMatchObject({
      status: 403,
      body: { code: 'insufficient_role' },
    });
    const owner = await token(tenantId, ['owner']);
    const changed = await invoke(fns['plan-change']!, { method: 'POST', token: owner, body: { plan: 'PRO' } });
    expect(changed).toMatchObject({ status: 200, body: { plan: 'PRO', version: 2 } });
    expect(changed.headers.etag).toBe('"2"');
    const doc = await storedTenant(tenantId);
    expect(eventTypes(doc)).toEqual(['tenant.tenant.provisioned.v1', 'tenant.plan.changed.v1']);
    expect(JSON.parse(doc!.outbox[1]!.data)).toEqual({ from: 'FREE', to: 'PRO', version: 2 });
    expect(await (await redis()).hgetall(tenantPlanKey(tenantId))).toMatchObject({ plan: 'PRO', version: '2' });
    // The same plan again: nothing changes, nothing is emitted.
    expect((await invoke(fns['plan-change']!, { method: 'POST', token: owner, body: { plan: 'PRO' } })).body).toMatchObject({ plan: 'PRO', version: 2 });
    expect(eventTypes(await storedTenant(tenantId))).toHaveLength(2);
    // If-Match, when sent, must match.
    expect((await invoke(fns['plan-change']!, { method: 'POST', token: owner, headers: { 'if-match': '"1"' }, body: { plan: 'ENTERPRISE' } })).status).toBe(
      412,
    );
    expect((await invoke(fns['plan-change']!, { method: 'POST', token: owner, body: { plan: 'PLATINUM' } })).status).toBe(400);
  });

  it('tenant-plan-change refuses a downgrade that current usage exceeds with 409 naming each limit, changing nothing', async () => {
    const { tenantId } = await provision({ plan: 'PRO' });
    await setUsage(tenantId, { stores: 3, products: 250, staffSeats: 2 });
    const refused = await invoke(fns['plan-change']!, { method: 'POST', token: await token(tenantId, ['owner']), body: { plan: 'FREE' } });
    expect(refused).toMatchObject({
      status: 409,
      body: {
        code: 'plan_limits_exceeded',
        plan: 'FREE',
        limits: [
          { resource: 'stores', max: 1, used: 3, plan: 'FREE' },
          { resource: 'products', max: 100, used: 250, plan: 'FREE' },
        ],
      },
    });
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(await storedTenant(tenantId)).toMatchObject({ plan: 'PRO', version: 1 });
    expect(eventTypes(await storedTenant(tenantId))).toEqual(['tenant.tenant.provisioned.v1']);
    expect((await (await redis()).hgetall(tenantPlanKey(tenantId))).plan).toBe('PRO');
    // Once usage fits, the downgrade goes through.
    await setUsage(tenantId, { stores: 1, products: 100 });
    expect(await invoke(fns['plan-change']!, { method: 'POST', token: await token(tenantId, ['owner']), body: { plan: 'FREE' } })).toMatchObject({
      status: 200,
      body: { plan: 'FREE', version: 2 },
    });
  });

  it('tenant-usage shows admins the counters beside the limits; staff get 403', async () => {
    const { tenantId } = await provision();
    await setUsage(tenantId, { products: 17, staffSeats: 1 });
    expect(await invoke(fns.usage!, { token: await token(tenantId, ['admin']) })).toMatchObject({
      status: 200,
      body: {
        tenantId,
        plan: 'FREE',
        usage: { stores: 0, products: 17, staffSeats: 1 },
        limits: { stores: 1, products: 100, staffSeats: 2, requestsPerMinute: 600 },
      },
    });
    expect((await invoke(fns.usage!, { token: await token(tenantId, ['staff']) })).status).toBe(403);
  });

  it("never shows or changes another tenant: B's token reaches B's tenant only", async () => {
    const a = await provision({ name: 'Tenant A' });
    const b = await provision({ name: 'Tenant B' });
    const asB = await token(b.tenantId, ['owner']);
    expect((await invoke(fns.get!, { token: asB })).body).toMatchObject({ id: b.tenantId, name: 'Tenant B' });
    expect(await invoke(fns.get!, { token: asB, headers: { 'x-tenant-id': a.tenantId } })).toMatchObject({ status: 403, body: { code: 'tenant_mismatch' } });
    await invoke(fns.update!, { method: 'PATCH', token: asB, headers: { 'if-match': '"1"' }, body: { name: 'B renamed' } });
    await invoke(fns['plan-change']!, { method: 'POST', token: asB, body: { plan: 'ENTERPRISE' } });
    expect(await storedTenant(a.tenantId)).toMatchObject({ name: 'Tenant A', plan: 'FREE', version: 1 });
  });
});

describe('per-tenant request rate from the plan', () => {
  it('drives a FREE tenant over its requests per minute into 429 with Retry-After, while a PRO tenant goes on', async () => {
    const free = await provision({ plan: 'FREE' });
    const pro = await provision({ plan: 'PRO' });
    forgetTenantPlan();
    const asFree = await token(free.tenantId, ['staff']);
    const first = await invoke(fns.get!, { token: asFree });
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-limit']).toBe('600');

    const started = Date.now();
    let allowed = 1;
    let refused: Awaited<ReturnType<typeof invoke>> | undefined;
    while (!refused && allowed < 2_000) {
      const batch = await Promise.all(Array.from({ length: 25 }, () => invoke(fns.get!, { token: asFree })));
      allowed += batch.filter((r) => r.status === 200).length;
      refused = batch.find((r) => r.status === 429);
    }
    const seconds = (Date.now() - started) / 1000;
    expect(refused).toMatchObject({ status: 429, body: { code: 'rate_limited', scope: 'tenant' } });
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // A minute's allowance at once, plus what refilled (10 a second) while the test ran.
    expect(allowed).toBeGreaterThanOrEqual(600);
    expect(allowed).toBeLessThanOrEqual(600 + Math.ceil(seconds * 10) + 1);
    // Another tenant's bucket is its own.
    expect((await invoke(fns.get!, { token: await token(pro.tenantId, ['staff']) })).headers['ratelimit-limit']).toBe('6000');
  });
});
