import type { Logger } from 'pino';
import type { z } from 'zod';
import { causedBy, type EventEnvelope } from '../../layers/events/envelope';
import { defineConsumer } from '../../layers/events/consumer';
import { countSagaOutcome } from '../../layers/metrics';
import { tenantProvisioningFailed } from '../tenant/events';
import { authDeps, type AuthDeps } from './deps';
import { userSoftDeleted } from './events';
import { loginKey } from './users';

type Failed = EventEnvelope<z.infer<typeof tenantProvisioningFailed.schema>>;

/**
 * The onboarding saga's compensation: provisioning failed, so the user who asked is soft-deleted
 * (kept for the audit trail, unable to sign in: every session revoked through tokenEpoch) and
 * their login lookup removed, so the address can register again and nothing half-made remains.
 * Safe to run again: an already deleted user only has its lookup removed, if still there.
 */
export const makeRollbackUser =
  (deps: Pick<AuthDeps, 'users' | 'now' | 'nudge'>) =>
  async (event: Failed, log?: Logger): Promise<'deleted' | 'unchanged'> => {
    const { data, tenantId } = event;
    const user = await deps.users.byId(data.ownerUserId);
    if (!user || user.tenantId !== tenantId) {
      log?.warn({ userId: data.ownerUserId, tenantId }, 'no user of this tenant to roll back');
      return 'unchanged';
    }
    let outcome: 'deleted' | 'unchanged' = 'unchanged';
    if (user.status !== 'soft_deleted') {
      const now = deps.now();
      const deleted = userSoftDeleted.create({
        subject: user._id,
        tenantId,
        source: 'auth-on-user-rollback',
        data: { userId: user._id, reason: `onboarding rolled back: ${data.code}: ${data.reason}`.slice(0, 500) },
        ...causedBy(event),
      });
      const changed = await deps.users.update(
        user._id,
        tenantId,
        { version: user.version },
        {
          set: { status: 'soft_deleted', deletedAt: now, updatedAt: now, onboarding: { ...user.onboarding, status: 'failed', at: now } },
          inc: { tokenEpoch: 1, version: 1 },
        },
        [deleted],
      );
      if (!changed) throw new Error(`user ${user._id} changed while being rolled back; retrying`);
      deps.nudge(user._id);
      outcome = 'deleted';
    }
    await deps.users.releaseLogin(loginKey(user.realm, user.email), user._id);
    return outcome;
  };

export default defineConsumer(
  {
    name: 'auth-on-user-rollback',
    summary: 'Soft-delete the user whose tenant could not be provisioned',
    events: { [tenantProvisioningFailed.type]: tenantProvisioningFailed.schema },
  },
  async (event, context) => {
    const outcome = await makeRollbackUser(await authDeps())(event as Failed, context.log);
    if (outcome === 'deleted') countSagaOutcome('onboarding', 'compensated', 'user_rolled_back');
  },
);
