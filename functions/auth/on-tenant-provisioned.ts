import type { Logger } from 'pino';
import type { z } from 'zod';
import { UnprocessableError } from '../../layers/errors';
import { causedBy, type EventEnvelope } from '../../layers/events/envelope';
import { defineConsumer } from '../../layers/events/consumer';
import { tenantProvisioned } from '../tenant/events';
import { authDeps, type AuthDeps } from './deps';
import { userTenantAssigned } from './events';

type Provisioned = EventEnvelope<z.infer<typeof tenantProvisioned.schema>>;

/**
 * Last step of the onboarding saga: the tenant exists, so its owner becomes `owner` of it (the
 * new role reaches their tokens at the next refresh), and customers may now register in it.
 * Safe to run again: the projection is an upsert and an owner already made is left alone.
 */
export const makeAssignTenant =
  (deps: Pick<AuthDeps, 'users' | 'now' | 'nudge'>) =>
  async (event: Provisioned, log?: Logger): Promise<'assigned' | 'unchanged'> => {
    const { data, tenantId } = event;
    const user = await deps.users.byId(data.ownerUserId);
    if (!user) throw new UnprocessableError(`No user ${data.ownerUserId} to own tenant ${tenantId}.`, 'unknown_user');
    // The tenant is the one reserved for this user at registration; anything else is not ours to assign.
    if (user.tenantId !== tenantId) throw new UnprocessableError('The provisioned tenant is not the one reserved for its owner.', 'tenant_mismatch');
    await deps.users.upsertTenant({
      _id: tenantId,
      tenantId,
      name: data.name,
      slug: data.slug,
      type: data.type,
      plan: data.plan,
      ownerUserId: user._id,
      provisionedAt: new Date(event.time),
    });
    if (user.status === 'soft_deleted' || (user.onboarding.status === 'provisioned' && user.roles.includes('owner'))) {
      log?.info({ userId: user._id, status: user.status }, 'tenant owner unchanged');
      return 'unchanged';
    }
    const now = deps.now();
    const assigned = userTenantAssigned.create({
      subject: user._id,
      tenantId,
      source: 'auth-on-tenant-provisioned',
      data: { userId: user._id, role: 'owner' },
      ...causedBy(event),
    });
    const changed = await deps.users.update(
      user._id,
      tenantId,
      { status: user.status, version: user.version },
      { set: { roles: ['owner'], onboarding: { ...user.onboarding, status: 'provisioned', at: now }, updatedAt: now }, inc: { version: 1 } },
      [assigned],
    );
    // A concurrent change of the user: fail, and the connector delivers the event again.
    if (!changed) throw new Error(`user ${user._id} changed while being made owner; retrying`);
    deps.nudge(user._id);
    return 'assigned';
  };

export default defineConsumer(
  {
    name: 'auth-on-tenant-provisioned',
    summary: 'Make the onboarding user the owner of their provisioned tenant',
    events: { [tenantProvisioned.type]: tenantProvisioned.schema },
  },
  async (event, context) => {
    await makeAssignTenant(await authDeps())(event as Provisioned, context.log);
  },
);
