import type { z } from 'zod';
import { ConflictError } from '../../layers/errors';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { countSagaOutcome } from '../../layers/metrics';
import { causedBy } from '../../layers/events/envelope';
import { userOnboardingCompleted } from '../auth/events';
import { tenantDeps, type TenantDeps } from './deps';
import { tenantProvisioned, tenantProvisioningFailed } from './events';
import { decideProvisioning, existingOutcome, failedTenant, slugTaken, type ProvisionRequest, type Refusal, type TenantRecord } from './rules';

// Schema: `auth.user.onboarding-completed.v1` (functions/auth/events.ts) in; `tenant.tenant.provisioned.v1`
// or `tenant.provisioning.failed.v1` (./events) out, through the tenant document's outbox.

/** The onboarding saga's provisioning step: its id names the consumer, the events' source and its log lines. */
export const PROVISION_TENANT = 'tenant-on-onboarding-completed';

type OnboardingCompleted = ConsumedEvent<z.infer<typeof userOnboardingCompleted.schema>>;

export type ProvisioningOutcome = 'provisioned' | 'failed' | 'already-provisioned' | 'already-failed';

export const provisionRequestOf = (event: OnboardingCompleted): ProvisionRequest => ({
  tenantId: event.tenantId,
  ownerUserId: event.data.userId,
  ownerEmail: event.data.email,
  ownerName: event.data.name,
  ...event.data.tenant,
});

/**
 * Provisions the tenant a user asked for, in one document write carrying `tenantProvisioned`;
 * or, when it cannot (a reserved slug, a slug another tenant holds), records the failure as a
 * tenant document in status `failed` carrying `tenantProvisioningFailed`, which rolls the user
 * back, and frees any slug claim of its own. Safe to re-run: whatever an earlier run of the same
 * event wrote is found and completed, never written twice.
 */
export const makeProvisionTenant =
  (deps: TenantDeps) =>
  async (event: OnboardingCompleted): Promise<ProvisioningOutcome> => {
    const request = provisionRequestOf(event);
    const correlation = causedBy(event);
    const id = request.tenantId;

    /** Plan projection and usage counters: both idempotent, so a re-run repeats them harmlessly. */
    const activate = async (tenant: TenantRecord): Promise<void> => {
      await deps.plans.write(id, { plan: tenant.plan, type: tenant.type, status: tenant.status, version: tenant.version });
      deps.plans.forget(id);
      await deps.usage.init(id);
    };

    /** Completes what an earlier run (or a concurrent one) of this event began. */
    const settle = async (existing: TenantRecord): Promise<ProvisioningOutcome> => {
      const outcome = existingOutcome(existing, request);
      if (outcome === 'foreign') {
        if (existing.slug !== request.slug) await deps.slugs.release(request.slug, id);
        throw new ConflictError(`Tenant ${id} belongs to another owner.`, 'tenant_id_taken');
      }
      if (outcome === 'failed') {
        await deps.slugs.release(request.slug, id);
        deps.nudge(id);
        return 'already-failed';
      }
      await activate(existing);
      deps.nudge(id);
      return 'already-provisioned';
    };

    const written = async (): Promise<TenantRecord> => {
      const existing = await deps.tenants.get(id);
      if (!existing) throw new Error(`Tenant ${id} was reported written but is not there.`);
      return existing;
    };

    const fail = async (refusal: Refusal): Promise<ProvisioningOutcome> => {
      const failed = tenantProvisioningFailed.create({
        subject: id,
        tenantId: id,
        data: { ownerUserId: request.ownerUserId, ...refusal },
        source: PROVISION_TENANT,
        ...correlation,
      });
      if (!(await deps.tenants.insert(failedTenant(request, refusal, deps.now()), [failed]))) return settle(await written());
      await deps.slugs.release(request.slug, id);
      deps.nudge(id);
      return 'failed';
    };

    const existing = await deps.tenants.get(id);
    if (existing) return settle(existing);

    const decision = decideProvisioning(request, deps.now());
    if (decision.kind === 'refuse') return fail(decision.refusal);
    if (!(await deps.slugs.claim(request.slug, id, deps.now()))) return fail(slugTaken(request.slug));

    const { tenant } = decision;
    // The projection before the document: the event the document carries lets the owner in,
    // and their first requests must find the plan they chose.
    await activate(tenant);
    const provisioned = tenantProvisioned.create({
      subject: id,
      tenantId: id,
      data: {
        ownerUserId: request.ownerUserId,
        ownerEmail: request.ownerEmail,
        ownerName: request.ownerName,
        name: tenant.name,
        slug: tenant.slug,
        type: tenant.type,
        plan: tenant.plan,
      },
      source: PROVISION_TENANT,
      ...correlation,
    });
    if (!(await deps.tenants.insert(tenant, [provisioned]))) return settle(await written());
    deps.nudge(id);
    return 'provisioned';
  };

export default defineConsumer(
  {
    // PROVISION_TENANT, spelled out: stack.yml's registry test finds each function by its literal name.
    name: 'tenant-on-onboarding-completed',
    summary: 'Provision the tenant a user asked for, or report why it cannot be (onboarding saga)',
    events: { [userOnboardingCompleted.type]: userOnboardingCompleted.schema },
  },
  async (event, context) => {
    const outcome = await makeProvisionTenant(await tenantDeps())(event as OnboardingCompleted);
    context.log.info({ step: PROVISION_TENANT, outcome, tenantId: event.tenantId }, 'tenant provisioning');
    if (outcome === 'provisioned') countSagaOutcome('onboarding', 'completed', 'tenant_provisioned');
    if (outcome === 'failed') countSagaOutcome('onboarding', 'failed', 'provisioning_refused');
  },
);
