import { serviceDb } from '../../../layers/connections';
import type { OutboxEntry } from '../../../layers/events/outbox';
import { unseal } from '../../../layers/sealing';
import { idempotencyKey, invoke } from '../support/invoke';

type Mod = Parameters<typeof invoke>[0];

/** The auth functions, imported after `useTestKeys()` (each reads its configuration at load). */
export const loadAuth = async () => {
  const modules = {
    register: import('../../../functions/auth/register'),
    'verify-email': import('../../../functions/auth/verify-email'),
    login: import('../../../functions/auth/login'),
    'login-2fa': import('../../../functions/auth/login-2fa'),
    refresh: import('../../../functions/auth/refresh'),
    logout: import('../../../functions/auth/logout'),
    me: import('../../../functions/auth/me'),
    '2fa-setup': import('../../../functions/auth/2fa-setup'),
    '2fa-confirm': import('../../../functions/auth/2fa-confirm'),
    'password-reset-request': import('../../../functions/auth/password-reset-request'),
    'password-reset-confirm': import('../../../functions/auth/password-reset-confirm'),
    'roles-assign': import('../../../functions/auth/roles-assign'),
    'onboarding-complete': import('../../../functions/auth/onboarding-complete'),
    jwks: import('../../../functions/auth/jwks'),
    'flagged-signins': import('../../../functions/auth/flagged-signins'),
  };
  const fns = {} as Record<keyof typeof modules, Mod>;
  for (const [name, module] of Object.entries(modules)) fns[name as keyof typeof modules] = (await module) as Mod;
  return fns;
};

/** The events still in a user's outbox (no relay drains this test's database). */
export const outboxOf = async (userId: string): Promise<OutboxEntry[]> => {
  const doc = await (await serviceDb('auth')).collection('users').findOne<{ outbox: OutboxEntry[] }>({ _id: userId as never });
  return doc?.outbox ?? [];
};

export const rawUser = async (userId: string) => (await serviceDb('auth')).collection('users').findOne<Record<string, unknown>>({ _id: userId as never });

/** The last code issued to the user for `purpose`, unsealed as the notification service would. */
export const issuedCode = async (userId: string, purpose: string): Promise<{ code: string; channel: string; to: string }> => {
  const issued = (await outboxOf(userId))
    .filter((entry) => entry.type === 'auth.code.issued.v1')
    .map((entry) => JSON.parse(entry.data) as { purpose: string; sealedSecret: string; channel: string; to: string })
    .filter((data) => data.purpose === purpose);
  const last = issued.at(-1);
  if (!last) throw new Error(`no ${purpose} code in the outbox of ${userId}`);
  return { code: await unseal(last.sealedSecret), channel: last.channel, to: last.to };
};

export const STRONG = 'mauve-Orchard-71-quietly';

export const newEmail = (tag = 'user'): string => `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@example.test`;

/** Registers and verifies a user through the functions; returns its ids and credentials. */
export const signUp = async (fns: Awaited<ReturnType<typeof loadAuth>>, options: { tenantId?: string; name?: string; verify?: boolean } = {}) => {
  const email = newEmail();
  const reply = await invoke<{ userId: string; tenantId: string }>(fns.register, {
    method: 'POST',
    body: { email, password: STRONG, name: options.name ?? 'Ada Lovelace', ...(options.tenantId ? { tenantId: options.tenantId } : {}) },
    headers: idempotencyKey(),
  });
  if (reply.status !== 201) throw new Error(`register answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  const { userId, tenantId } = reply.body;
  if (options.verify !== false) {
    const { code } = await issuedCode(userId, 'email-verification');
    const verified = await invoke(fns['verify-email'], { method: 'POST', body: { email, code, ...(options.tenantId ? { tenantId: options.tenantId } : {}) } });
    if (verified.status !== 200) throw new Error(`verify-email answered ${verified.status}`);
  }
  return { email, password: STRONG, userId, tenantId };
};

export const login = async (fns: Awaited<ReturnType<typeof loadAuth>>, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  invoke<Record<string, unknown>>(fns.login, { method: 'POST', body, headers });
