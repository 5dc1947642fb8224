import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';
import { plan, tenantSlug, tenantType } from './schemas';

/** The tenant service's events, in the outbox of the tenant document (`tenant` database, `tenants`). */
const aggregate = { service: 'tenant', collection: 'tenants' } as const;

export const tenantProvisioned = defineEvent({
  type: 'tenant.tenant.provisioned.v1',
  schema: z.object({
    ownerUserId: z.string().min(1).max(64),
    ownerEmail: z.string().email().max(254),
    ownerName: z.string().min(1).max(120),
    name: z.string().min(1).max(120),
    slug: tenantSlug,
    type: tenantType,
    plan,
  }),
  aggregate,
  description: 'A tenant was provisioned for its owner (onboarding saga: tenant onboarding completed). The event tenantId is the new tenant.',
});

export const tenantProvisioningFailed = defineEvent({
  type: 'tenant.provisioning.failed.v1',
  schema: z.object({
    ownerUserId: z.string().min(1).max(64),
    code: z.string().min(1).max(64),
    reason: z.string().min(1).max(500),
  }),
  aggregate,
  description: 'Provisioning a tenant failed; the identity service rolls the user back (onboarding saga compensation).',
});

export const tenantUpdated = defineEvent({
  type: 'tenant.tenant.updated.v1',
  schema: z.object({ name: z.string().min(1).max(120), version: z.number().int().positive() }),
  aggregate,
  description: "A tenant's profile changed.",
});

export const planChanged = defineEvent({
  type: 'tenant.plan.changed.v1',
  schema: z.object({ from: plan, to: plan, version: z.number().int().positive() }),
  aggregate,
  description: "A tenant's plan changed (its limits with it).",
});

export const tenantEvents = [tenantProvisioned, tenantProvisioningFailed, tenantUpdated, planChanged];
