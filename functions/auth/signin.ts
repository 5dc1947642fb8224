import type { OutboxEntry } from '../../layers/events/outbox';
import type { AuthDeps } from './deps';
import { signinFlagged } from './events';
import type { User } from './repository';
import { rememberDevice } from './risk';
import { issueSession } from './sessions';
import { sessionDeps } from './deps';
import type { TokenPair } from './schemas';

/**
 * What sign-in (auth-login) and its second factor (auth-login-2fa) share: flagging a suspicious
 * attempt, which records it for the tenant's admins and tells the user (auth.signin.flagged in
 * the user's outbox), and finishing a sign-in, which remembers the device and starts a session.
 */
export interface SigninContext {
  ip: string;
  userAgent: string | undefined;
  device: string;
  source: 'auth-login' | 'auth-login-2fa';
}

export const flaggedEvent = (user: User, reasons: string[], locked: boolean, context: SigninContext): OutboxEntry =>
  signinFlagged.create({
    subject: user._id,
    tenantId: user.tenantId,
    source: context.source,
    data: {
      userId: user._id,
      email: user.email,
      reasons,
      locked,
      ...(context.ip !== 'unknown' ? { ip: context.ip } : {}),
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    },
  });

/** Writes the user's change with the flag event, then the flagged sign-in record (keyed by the event id). */
export const flag = async (
  deps: AuthDeps,
  user: User,
  reasons: string[],
  locked: boolean,
  context: SigninContext,
  set: Record<string, unknown> = {},
): Promise<void> => {
  const event = flaggedEvent(user, reasons, locked, context);
  await deps.users.update(user._id, user.tenantId, {}, { set: { ...set, updatedAt: deps.now() } }, [event]);
  deps.nudge(user._id);
  await deps.users.recordSignin({
    _id: event.id,
    tenantId: user.tenantId,
    userId: user._id,
    email: user.email,
    reasons,
    ip: context.ip,
    userAgent: context.userAgent ?? null,
    locked,
    at: new Date(event.time),
  });
};

/** Remembers the device (one write, only when new) and starts a session. */
export const finishSignin = async (deps: AuthDeps, user: User, context: SigninContext): Promise<TokenPair> => {
  if (!user.knownDevices.includes(context.device)) {
    await deps.users.update(user._id, user.tenantId, {}, { set: { knownDevices: rememberDevice(user.knownDevices, context.device) } }, []);
  }
  return issueSession(sessionDeps(deps), user);
};
