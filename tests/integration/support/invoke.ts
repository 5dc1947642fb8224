import { randomBytes, randomUUID } from 'node:crypto';
import { createTokenSigner, generateSigningKey, toJwks } from '../../../layers/auth';
import type { Role } from '../../../layers/auth/types';
import type { OpenFaasHandler } from '../../../layers/http/openfaas';
import { invokeHandler } from '../../../openfaas/template/node20-middy/adapter';

/**
 * Invokes a function module (its source, not a bundle) through the template's node20 adapter,
 * with every middleware of its stack, against the real stores. Import functions only after
 * `useTestKeys()`: each reads its configuration once, at load.
 */
export const useTestKeys = async () => {
  const key = await generateSigningKey();
  process.env.JWKS = JSON.stringify(toJwks([key.publicJwk]));
  // The identity service signs with the same key, and seals one-time codes with a key of the run.
  process.env.AUTH_SIGNING_KEYS = JSON.stringify([key.privateJwk]);
  process.env.SEALING_KEY = randomBytes(32).toString('base64url');
  process.env.AUTH_SECRET_KEY = randomBytes(32).toString('base64url');
  // Payment providers: stripe-mock takes any test key; the Paystack peer checks and signs with this one.
  process.env.STRIPE_SECRET_KEY = `sk_test_${randomBytes(16).toString('hex')}`;
  process.env.STRIPE_WEBHOOK_SECRET = `whsec_${randomBytes(16).toString('hex')}`;
  process.env.PAYSTACK_SECRET_KEY = `sk_test_${randomBytes(20).toString('hex')}`;
  process.env.RATE_LIMIT_CAPACITY = '100000';
  process.env.RATE_LIMIT_REFILL_PER_SECOND = '100000';
  const signer = createTokenSigner({
    privateJwk: key.privateJwk,
    kid: key.kid,
    issuer: 'https://auth.marketplace.local',
    audience: 'marketplace-api',
    ttlSeconds: 600,
  });
  const sign = (tenantId: string, roles: Role[] = ['owner']) => signer.sign({ sub: `user-${tenantId}`, tid: tenantId, roles });
  return Object.assign(sign, { key });
};

export interface Call {
  method?: string;
  path?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export const invoke = async <T = Record<string, unknown>>(mod: { default: OpenFaasHandler }, call: Call = {}) => {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  const reply = await invokeHandler(mod.default as never, {
    method: call.method ?? 'GET',
    path: call.path ?? '/',
    headers,
    query: call.query ?? {},
    body: call.body === undefined ? '' : JSON.stringify(call.body),
  });
  const text = reply.body.toString();
  return { status: reply.status, headers: reply.headers, body: (text ? JSON.parse(text) : undefined) as T };
};

export const idempotencyKey = (): Record<string, string> => ({ 'idempotency-key': randomUUID() });
