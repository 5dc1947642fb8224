import { z } from 'zod';
import { ROLES } from '../../layers/auth/types';
import { defineEvent } from '../../layers/events/envelope';
import { plan, tenantSlug, tenantType } from '../tenant/schemas';

/**
 * The identity service's events. They travel in the outbox of the user document that changed
 * (collection `users` of the `auth` database), so a state change and its events are one write.
 * One-time codes and reset tokens are never in clear: `sealedSecret` is a JWE only the
 * notification service can open (layers/sealing), so the audit chain and the DLQ never hold them.
 */
const aggregate = { service: 'auth', collection: 'users' } as const;

const userId = z.string().min(1).max(64);
const email = z.string().email().max(254);

export const CODE_PURPOSES = ['email-verification', 'login-2fa', 'password-reset', '2fa-setup'] as const;
export const codePurpose = z.enum(CODE_PURPOSES);
export const DELIVERY_CHANNELS = ['email', 'sms'] as const;
export const deliveryChannel = z.enum(DELIVERY_CHANNELS);

export const userRegistered = defineEvent({
  type: 'auth.user.registered.v1',
  schema: z.object({ userId, email, name: z.string().min(1).max(120), role: z.enum(ROLES) }),
  aggregate,
  description: 'A person registered (their email is not verified yet).',
});

export const codeIssued = defineEvent({
  type: 'auth.code.issued.v1',
  schema: z.object({
    userId,
    purpose: codePurpose,
    channel: deliveryChannel,
    /** The address the code goes to: an email address or an E.164 phone number. */
    to: z.string().min(3).max(254),
    name: z.string().max(120).optional(),
    /** The code or reset token, sealed (layers/sealing). */
    sealedSecret: z.string().min(1).max(4096),
    expiresAt: z.string().datetime(),
  }),
  aggregate,
  description: 'A one-time code or reset token was issued and must be delivered to its owner (sealed; only notification can read it).',
});

export const userOnboardingCompleted = defineEvent({
  type: 'auth.user.onboarding-completed.v1',
  schema: z.object({
    userId,
    email,
    name: z.string().min(1).max(120),
    tenant: z.object({ name: z.string().min(1).max(120), slug: tenantSlug, type: tenantType, plan }),
  }),
  aggregate,
  description:
    'A verified user asked for their own tenant; the tenant service provisions it (onboarding saga, step 1). The event tenantId is the tenant id reserved for it.',
});

export const userTenantAssigned = defineEvent({
  type: 'auth.user.tenant-assigned.v1',
  schema: z.object({ userId, role: z.enum(ROLES) }),
  aggregate,
  description: "The provisioned tenant became the user's, with the owner role (onboarding saga, last step).",
});

export const userSoftDeleted = defineEvent({
  type: 'auth.user.soft-deleted.v1',
  schema: z.object({ userId, reason: z.string().min(1).max(500) }),
  aggregate,
  description: 'A user was soft-deleted (onboarding rolled back, or removed by an admin); they can no longer sign in.',
});

export const roleAssigned = defineEvent({
  type: 'auth.role.assigned.v1',
  schema: z.object({ userId, roles: z.array(z.enum(ROLES)).min(1), grantedBy: userId }),
  aggregate,
  description: "A user's roles changed (granted by someone of a higher level).",
});

export const signinFlagged = defineEvent({
  type: 'auth.signin.flagged.v1',
  schema: z.object({
    userId,
    email,
    reasons: z.array(z.string().min(1).max(64)).min(1),
    ip: z.string().max(64).optional(),
    userAgent: z.string().max(512).optional(),
    locked: z.boolean(),
  }),
  aggregate,
  description:
    'A sign-in looked suspicious (new device burst, fast IP changes, repeated failures) or locked the account; tenant admins see it and the user is told.',
});

export const authEvents = [userRegistered, codeIssued, userOnboardingCompleted, userTenantAssigned, userSoftDeleted, roleAssigned, signinFlagged];
