import { describe, expect, it, vi } from 'vitest';
import { makeGetTenant } from '../../../functions/tenant/get';
import { makeProvisionTenant } from '../../../functions/tenant/on-onboarding-completed';
import { makeChangePlan } from '../../../functions/tenant/plan-change';
import { makeUpdateTenant } from '../../../functions/tenant/update';
import { makeTenantUsage } from '../../../functions/tenant/usage';
import { memoryTenantDeps, onboardingEvent } from './memory';

const provisioned = async (tenantId = 't-1', plan: 'FREE' | 'PRO' | 'ENTERPRISE' = 'FREE') => {
  const memory = memoryTenantDeps();
  expect(await makeProvisionTenant(memory.deps)(onboardingEvent(tenantId, { plan }))).toBe('provisioned');
  return memory;
};

const eventsOf = (memory: ReturnType<typeof memoryTenantDeps>, tenantId: string) =>
  memory.rows.get(tenantId)!.outbox.map((entry) => ({ ...entry, data: JSON.parse(entry.data) as Record<string, unknown> }));

describe('tenant-on-onboarding-completed core', () => {
  it('provisions the tenant with its provisioned event, plan projection and usage counters', async () => {
    const memory = memoryTenantDeps();
    const event = onboardingEvent('t-1', { name: 'Analytical Goods', slug: 'analytical-goods', plan: 'PRO', type: 'MARKETPLACE' });
    expect(await makeProvisionTenant(memory.deps)(event)).toBe('provisioned');

    expect(memory.rows.get('t-1')!.tenant).toMatchObject({ id: 't-1', status: 'active', plan: 'PRO', type: 'MARKETPLACE', ownerUserId: 'u-t-1', version: 1 });
    expect(eventsOf(memory, 't-1')).toEqual([
      expect.objectContaining({
        type: 'tenant.tenant.provisioned.v1',
        subject: 't-1',
        tenantId: 't-1',
        source: 'tenant-on-onboarding-completed',
        correlationId: event.correlationId,
        causationId: event.id,
        data: {
          ownerUserId: 'u-t-1',
          ownerEmail: 'u-t-1@example.com',
          ownerName: 'Ada Lovelace',
          name: 'Analytical Goods',
          slug: 'analytical-goods',
          type: 'MARKETPLACE',
          plan: 'PRO',
        },
      }),
    ]);
    expect(memory.slugs.get('analytical-goods')).toBe('t-1');
    expect(memory.projections.get('t-1')).toEqual({ plan: 'PRO', type: 'MARKETPLACE', status: 'active', version: 1 });
    expect(memory.usage.get('t-1')).toEqual({ stores: 0, products: 0, staffSeats: 0 });
    expect(memory.nudged).toEqual(['t-1']);
  });

  it('provisions once and emits once when the same event runs twice', async () => {
    const memory = memoryTenantDeps();
    const event = onboardingEvent('t-1');
    const provision = makeProvisionTenant(memory.deps);
    expect(await provision(event)).toBe('provisioned');
    memory.usage.set('t-1', { stores: 1, products: 7, staffSeats: 0 });
    expect(await provision(event)).toBe('already-provisioned');
    expect(eventsOf(memory, 't-1').map((e) => e.type)).toEqual(['tenant.tenant.provisioned.v1']);
    expect(memory.usage.get('t-1')).toEqual({ stores: 1, products: 7, staffSeats: 0 });
  });

  it('completes a run that crashed after claiming the slug', async () => {
    const memory = memoryTenantDeps();
    const event = onboardingEvent('t-1', { slug: 'half-made' });
    memory.slugs.set('half-made', 't-1');
    expect(await makeProvisionTenant(memory.deps)(event)).toBe('provisioned');
    expect(memory.rows.get('t-1')!.tenant.slug).toBe('half-made');
  });

  it('records a slug held by another tenant as a failure whose event rolls the user back, claiming nothing', async () => {
    const memory = memoryTenantDeps();
    expect(await makeProvisionTenant(memory.deps)(onboardingEvent('t-a', { slug: 'popular' }))).toBe('provisioned');
    const second = onboardingEvent('t-b', { slug: 'popular' });
    expect(await makeProvisionTenant(memory.deps)(second)).toBe('failed');

    expect(memory.rows.get('t-b')!.tenant).toMatchObject({ status: 'failed', failure: { code: 'slug_taken' }, ownerUserId: 'u-t-b' });
    expect(eventsOf(memory, 't-b')).toEqual([
      expect.objectContaining({
        type: 'tenant.provisioning.failed.v1',
        subject: 't-b',
        tenantId: 't-b',
        causationId: second.id,
        data: { ownerUserId: 'u-t-b', code: 'slug_taken', reason: 'The slug popular belongs to another tenant.' },
      }),
    ]);
    expect(memory.slugs.get('popular')).toBe('t-a');
    expect(memory.projections.has('t-b')).toBe(false);
    expect(memory.usage.has('t-b')).toBe(false);
    // Redelivered: nothing more is written or emitted.
    expect(await makeProvisionTenant(memory.deps)(second)).toBe('already-failed');
    expect(eventsOf(memory, 't-b')).toHaveLength(1);
  });

  it('refuses a reserved slug the same way', async () => {
    const memory = memoryTenantDeps();
    expect(await makeProvisionTenant(memory.deps)(onboardingEvent('t-1', { slug: 'admin' }))).toBe('failed');
    expect(eventsOf(memory, 't-1')[0]!.data).toMatchObject({ code: 'slug_reserved' });
    expect(memory.slugs.size).toBe(0);
  });

  it('frees its own slug claim when the failure is recorded after it', async () => {
    const memory = memoryTenantDeps();
    memory.slugs.set('admin', 't-1'); // cannot be claimed normally; stands for a claim an earlier run made
    await makeProvisionTenant(memory.deps)(onboardingEvent('t-1', { slug: 'admin' }));
    expect(memory.slugs.has('admin')).toBe(false);
  });

  it('settles with a concurrent run that wrote the tenant first', async () => {
    const memory = memoryTenantDeps();
    const event = onboardingEvent('t-1');
    const insert = memory.deps.tenants.insert.bind(memory.deps.tenants);
    // The other run's write lands between this run's read and its insert.
    vi.spyOn(memory.deps.tenants, 'insert').mockImplementationOnce(async (tenant, events) => {
      await insert(tenant, events);
      return false;
    });
    expect(await makeProvisionTenant(memory.deps)(event)).toBe('already-provisioned');
    expect(eventsOf(memory, 't-1')).toHaveLength(1);
  });

  it("refuses to touch another owner's tenant under the same id, leaving its slug alone", async () => {
    const memory = await provisioned('t-1');
    const intruder = onboardingEvent('t-1', { slug: 'shop-t-1' }, 'u-other');
    await expect(makeProvisionTenant(memory.deps)(intruder)).rejects.toMatchObject({ code: 'tenant_id_taken' });
    expect(memory.slugs.get('shop-t-1')).toBe('t-1');
    expect(eventsOf(memory, 't-1')).toHaveLength(1);
  });
});

describe('tenant HTTP cores', () => {
  it('gets the active tenant and 404s a failed or unknown one', async () => {
    const memory = await provisioned('t-1');
    await makeProvisionTenant(memory.deps)(onboardingEvent('t-2', { slug: 'www' }));
    const get = makeGetTenant(memory.deps);
    expect(await get('t-1')).toMatchObject({ id: 't-1', status: 'active', version: 1 });
    await expect(get('t-2')).rejects.toMatchObject({ status: 404 });
    await expect(get('t-3')).rejects.toMatchObject({ status: 404 });
  });

  it('updates at the expected version with its event', async () => {
    const memory = await provisioned('t-1');
    const update = makeUpdateTenant(memory.deps);
    const updated = await update('t-1', 1, { name: 'Difference Engines', settings: { defaultCurrency: 'GBP' } });
    expect(updated).toMatchObject({ name: 'Difference Engines', settings: { defaultCurrency: 'GBP' }, version: 2 });
    expect(eventsOf(memory, 't-1').at(-1)).toMatchObject({
      type: 'tenant.tenant.updated.v1',
      source: 'tenant-update',
      data: { name: 'Difference Engines', version: 2 },
    });
    await expect(update('t-1', 1, { name: 'x' })).rejects.toMatchObject({ status: 412 });
    vi.spyOn(memory.deps.tenants, 'replace').mockResolvedValueOnce(false);
    await expect(update('t-1', 2, { name: 'x' })).rejects.toMatchObject({ status: 412 });
    expect(memory.rows.get('t-1')!.tenant.name).toBe('Difference Engines');
  });

  it('changes the plan with its event and projects it at the new version', async () => {
    const memory = await provisioned('t-1');
    const changed = await makeChangePlan(memory.deps)('t-1', 'PRO');
    expect(changed).toMatchObject({ plan: 'PRO', version: 2 });
    expect(eventsOf(memory, 't-1').at(-1)).toMatchObject({ type: 'tenant.plan.changed.v1', data: { from: 'FREE', to: 'PRO', version: 2 } });
    expect(memory.projections.get('t-1')).toMatchObject({ plan: 'PRO', version: 2 });
    expect(memory.forgotten.at(-1)).toBe('t-1');
  });

  it('refuses a downgrade usage does not fit, changing nothing', async () => {
    const memory = await provisioned('t-1', 'PRO');
    memory.usage.set('t-1', { stores: 2, products: 500, staffSeats: 1 });
    await expect(makeChangePlan(memory.deps)('t-1', 'FREE')).rejects.toMatchObject({
      status: 409,
      extras: {
        limits: [
          { resource: 'stores', max: 1, used: 2, plan: 'FREE' },
          { resource: 'products', max: 100, used: 500, plan: 'FREE' },
        ],
      },
    });
    expect(memory.rows.get('t-1')!.tenant).toMatchObject({ plan: 'PRO', version: 1 });
    expect(eventsOf(memory, 't-1')).toHaveLength(1);
    expect(memory.projections.get('t-1')).toMatchObject({ plan: 'PRO', version: 1 });
  });

  it('re-projects an unchanged plan without an event, and honours If-Match when sent', async () => {
    const memory = await provisioned('t-1', 'PRO');
    memory.projections.delete('t-1');
    expect(await makeChangePlan(memory.deps)('t-1', 'PRO', 1)).toMatchObject({ plan: 'PRO', version: 1 });
    expect(memory.projections.get('t-1')).toMatchObject({ plan: 'PRO', version: 1 });
    expect(eventsOf(memory, 't-1')).toHaveLength(1);
    await expect(makeChangePlan(memory.deps)('t-1', 'ENTERPRISE', 3)).rejects.toMatchObject({ status: 412 });
    vi.spyOn(memory.deps.tenants, 'replace').mockResolvedValueOnce(false);
    await expect(makeChangePlan(memory.deps)('t-1', 'ENTERPRISE')).rejects.toMatchObject({ status: 412 });
    expect(memory.projections.get('t-1')).toMatchObject({ plan: 'PRO' });
  });

  it('reports usage beside the limits of the stored plan', async () => {
    const memory = await provisioned('t-1');
    memory.usage.set('t-1', { stores: 1, products: 12, staffSeats: 2 });
    const usage = makeTenantUsage({ tenants: memory.deps.tenants, usage: memory.deps.usage.of });
    expect(await usage('t-1')).toEqual({
      tenantId: 't-1',
      plan: 'FREE',
      usage: { stores: 1, products: 12, staffSeats: 2 },
      limits: { stores: 1, products: 100, staffSeats: 2, requestsPerMinute: 600 },
    });
    await expect(usage('t-9')).rejects.toMatchObject({ status: 404 });
  });
});
