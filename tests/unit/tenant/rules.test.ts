import { describe, expect, it } from 'vitest';
import {
  applyTenantPatch,
  assertVersion,
  changePlan,
  decideProvisioning,
  etagOf,
  existingOutcome,
  failedTenant,
  RESERVED_SLUGS,
  slugTaken,
  toTenant,
  usageReport,
  versionFromEtag,
  type ProvisionRequest,
  type TenantRecord,
} from '../../../functions/tenant/rules';
import { ifMatchHeaders, planChangeInput, tenantPatch, tenantSettings } from '../../../functions/tenant/schemas';

const now = new Date('2026-11-25T10:00:00.000Z');
const later = new Date('2026-11-26T09:30:00.000Z');

const request = (overrides: Partial<ProvisionRequest> = {}): ProvisionRequest => ({
  tenantId: 't-1',
  ownerUserId: 'u-1',
  ownerEmail: 'ada@example.com',
  ownerName: 'Ada',
  name: 'Analytical Goods',
  slug: 'analytical-goods',
  type: 'SELLER_BUSINESS',
  plan: 'FREE',
  ...overrides,
});

const active = (overrides: Partial<TenantRecord> = {}): TenantRecord => {
  const decision = decideProvisioning(request(), now);
  if (decision.kind !== 'provision') throw new Error('expected a tenant');
  return { ...decision.tenant, ...overrides };
};

const none = { stores: 0, products: 0, staffSeats: 0 };

describe('provisioning decisions', () => {
  it('makes an active tenant at version 1 of the request, owned by the requesting user', () => {
    expect(decideProvisioning(request(), now)).toEqual({
      kind: 'provision',
      tenant: {
        id: 't-1',
        name: 'Analytical Goods',
        slug: 'analytical-goods',
        type: 'SELLER_BUSINESS',
        plan: 'FREE',
        status: 'active',
        ownerUserId: 'u-1',
        settings: {},
        version: 1,
        createdAt: '2026-11-25T10:00:00.000Z',
        updatedAt: '2026-11-25T10:00:00.000Z',
      },
    });
  });

  it.each([...RESERVED_SLUGS])('refuses the reserved slug %s', (slug) => {
    expect(decideProvisioning(request({ slug }), now)).toEqual({
      kind: 'refuse',
      refusal: { code: 'slug_reserved', reason: `The slug ${slug} is reserved by the platform.` },
    });
  });

  it('records a refusal as a failed tenant carrying the reason', () => {
    expect(failedTenant(request(), slugTaken('analytical-goods'), now)).toMatchObject({
      id: 't-1',
      status: 'failed',
      ownerUserId: 'u-1',
      failure: { code: 'slug_taken', reason: 'The slug analytical-goods belongs to another tenant.' },
      version: 1,
    });
  });

  it('tells a re-run of its own event from a foreign tenant under the same id', () => {
    expect(existingOutcome(active(), request())).toBe('provisioned');
    expect(existingOutcome(failedTenant(request(), slugTaken('x'), now), request())).toBe('failed');
    expect(existingOutcome(active({ ownerUserId: 'u-2' }), request())).toBe('foreign');
  });
});

describe('tenant updates', () => {
  it('renames, sets and removes settings, and bumps the version', () => {
    const current = active({ settings: { locale: 'en-GB', timezone: 'Europe/London' } });
    const next = applyTenantPatch(current, { name: 'Difference Engines', settings: { locale: null, defaultCurrency: 'GBP' } }, later);
    expect(next).toEqual({
      ...current,
      name: 'Difference Engines',
      settings: { timezone: 'Europe/London', defaultCurrency: 'GBP' },
      version: 2,
      updatedAt: '2026-11-26T09:30:00.000Z',
    });
    expect(current.settings).toEqual({ locale: 'en-GB', timezone: 'Europe/London' });
    expect(applyTenantPatch(current, { settings: {} }, later).name).toBe('Analytical Goods');
  });

  it('checks the version the client last read', () => {
    expect(() => assertVersion(active(), 1)).not.toThrow();
    expect(() => assertVersion(active(), 2)).toThrow(expect.objectContaining({ status: 412, extras: { currentVersion: 1 } }));
    expect(versionFromEtag('"7"')).toBe(7);
    expect(versionFromEtag('W/"12"')).toBe(12);
    expect(etagOf(3)).toBe('"3"');
  });

  it('serves no failure details', () => {
    expect(toTenant(failedTenant(request(), slugTaken('x'), now))).not.toHaveProperty('failure');
  });
});

describe('plan changes', () => {
  it('upgrades whatever the usage, bumping the version', () => {
    expect(changePlan(active(), 'PRO', { stores: 1, products: 100, staffSeats: 2 }, later)).toEqual({
      kind: 'changed',
      from: 'FREE',
      next: { ...active(), plan: 'PRO', version: 2, updatedAt: '2026-11-26T09:30:00.000Z' },
    });
  });

  it('downgrades when what exists fits the smaller plan, up to its limits exactly', () => {
    expect(changePlan(active({ plan: 'ENTERPRISE' }), 'FREE', { stores: 1, products: 100, staffSeats: 2 }, later)).toMatchObject({
      kind: 'changed',
      from: 'ENTERPRISE',
      next: { plan: 'FREE' },
    });
  });

  it('refuses a downgrade that usage exceeds with 409, naming each limit exceeded', () => {
    const refused = (() => {
      try {
        changePlan(active({ plan: 'PRO' }), 'FREE', { stores: 3, products: 100, staffSeats: 9 }, later);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toMatchObject({
      status: 409,
      code: 'plan_limits_exceeded',
      message: 'The tenant cannot move to FREE: it has 3 stores (the FREE plan allows 1), 9 staffSeats (the FREE plan allows 2).',
      extras: {
        plan: 'FREE',
        limits: [
          { resource: 'stores', max: 1, used: 3, plan: 'FREE' },
          { resource: 'staffSeats', max: 2, used: 9, plan: 'FREE' },
        ],
      },
    });
  });

  it('leaves a tenant already on the plan unchanged', () => {
    const current = active({ plan: 'PRO', version: 4 });
    expect(changePlan(current, 'PRO', { stores: 100, products: 0, staffSeats: 0 }, later)).toEqual({ kind: 'unchanged', tenant: current });
  });
});

describe('usage report', () => {
  it("puts the counters beside the plan's limits, null for unlimited", () => {
    expect(usageReport(active(), { stores: 1, products: 42, staffSeats: 0 })).toEqual({
      tenantId: 't-1',
      plan: 'FREE',
      usage: { stores: 1, products: 42, staffSeats: 0 },
      limits: { stores: 1, products: 100, staffSeats: 2, requestsPerMinute: 600 },
    });
    expect(usageReport(active({ plan: 'ENTERPRISE' }), none).limits).toEqual({ stores: null, products: null, staffSeats: null, requestsPerMinute: 60_000 });
  });
});

describe('tenant API schemas', () => {
  it('accepts a patch of name or settings, and refuses an empty or unknown one', () => {
    expect(tenantPatch.parse({ name: '  Difference Engines ' })).toEqual({ name: 'Difference Engines' });
    expect(tenantPatch.parse({ settings: { timezone: 'Europe/London', locale: null } })).toEqual({ settings: { timezone: 'Europe/London', locale: null } });
    expect(tenantPatch.safeParse({}).success).toBe(false);
    expect(tenantPatch.safeParse({ name: '' }).success).toBe(false);
    expect(tenantPatch.safeParse({ type: 'MARKETPLACE' }).success).toBe(false);
    expect(tenantPatch.safeParse({ plan: 'ENTERPRISE' }).success).toBe(false);
    expect(tenantPatch.safeParse({ settings: { theme: 'dark' } }).success).toBe(false);
  });

  it('checks each setting', () => {
    expect(tenantSettings.safeParse({ defaultCurrency: 'GBP', locale: 'en-GB', timezone: 'America/Sao_Paulo', supportEmail: 'help@example.com' }).success).toBe(
      true,
    );
    expect(tenantSettings.safeParse({ defaultCurrency: 'gbp' }).success).toBe(false);
    expect(tenantSettings.safeParse({ timezone: 'Mars/Olympus_Mons' }).success).toBe(false);
    expect(tenantSettings.safeParse({ locale: 'english' }).success).toBe(false);
    expect(tenantSettings.safeParse({ supportEmail: 'not-an-address' }).success).toBe(false);
  });

  it('takes a known plan only, and an ETag as If-Match', () => {
    expect(planChangeInput.safeParse({ plan: 'PRO' }).success).toBe(true);
    expect(planChangeInput.safeParse({ plan: 'GOLD' }).success).toBe(false);
    expect(planChangeInput.safeParse({ plan: 'PRO', type: 'MARKETPLACE' }).success).toBe(false);
    expect(ifMatchHeaders.safeParse({ 'if-match': '"2"' }).success).toBe(true);
    expect(ifMatchHeaders.safeParse({}).success).toBe(false);
    expect(ifMatchHeaders.safeParse({ 'if-match': '2' }).success).toBe(false);
  });
});
