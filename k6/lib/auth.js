import crypto from 'k6/crypto';
import { fail } from 'k6';
import { call, uuid } from './api.js';
import { awaitSecret } from './mailbox.js';

// Sign-up and sign-in through the identity functions, as a person would. Each VU is one client:
// its own address (X-Forwarded-For, from the benchmarking range 198.18.0.0/15) and user agent.
// The identity service's own per-IP and per-email limits are real; a load run raises them on
// the gateway with AUTH_RATE_LIMIT_SCALE (the smoke e2e does), or it measures 429s.

export const PASSWORD = 'k6-Lantern-Orchard-2048';

/** Bcrypt dominates these operations (cost 12: a few hundred ms per hash), so latency is held to a looser bar. */
export const PASSWORD_THRESHOLDS = {
  http_req_failed: ['rate<0.01'],
  checks: ['rate>0.99'],
  http_req_duration: ['p(95)<3000', 'p(99)<6000'],
};

/** The client headers of the current VU (or of `n`). */
export const client = (n = __VU) => ({
  'x-forwarded-for': `198.18.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`,
  'user-agent': `k6-auth-client/${n}`,
});

export const newEmail = (tag = 'k6') => `${tag}-${uuid()}@load.example.test`;

/**
 * Registers a seller (platform realm), or with `{ tenantId }` a customer of that tenant; returns
 * `{ userId, tenantId, email, realm }` (`realm`: the tenant a customer signs in to, else undefined).
 */
export const register = (email = newEmail(), headers = client(), { tenantId } = {}) => {
  const { res, ok } = call('POST', 'auth-register', {
    body: { email, password: PASSWORD, name: 'Load Tester', ...(tenantId ? { tenantId } : {}) },
    headers: { ...headers, 'idempotency-key': uuid() },
    status: 201,
    checks: { 'is pending verification': (r) => r.json('status') === 'pending_verification' },
  });
  if (!ok) return undefined;
  return { userId: res.json('userId'), tenantId: res.json('tenantId'), email, realm: tenantId };
};

/** Signs in (a customer with `{ tenantId }`, another password with `{ password }`); returns the tokens (or the 2FA challenge when 2FA is on). */
export const login = (email, headers = client(), { tenantId, password = PASSWORD } = {}) => {
  const { res, ok } = call('POST', 'auth-login', {
    body: { email, password, ...(tenantId ? { tenantId } : {}) },
    headers,
    checks: { 'answers tokens or a challenge': (r) => Boolean(r.json('accessToken') || r.json('challengeId')) },
  });
  return ok ? res.json() : undefined;
};

/** A registered, signed-in account of this VU; `fail`s setup-style when the API refuses. */
export const account = (headers = client()) => {
  const person = register(newEmail(), headers);
  if (!person) fail('auth-register did not answer 201');
  const tokens = login(person.email, headers);
  if (!tokens || !tokens.accessToken) fail('auth-login did not answer tokens');
  return { ...person, tokens, headers };
};

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const base32Decode = (text) => {
  const clean = text.replace(/=+$/, '').toUpperCase();
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    value = (value << 5) | BASE32.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(bytes).buffer;
};

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for the time step `step` (default: now). */
export const totp = (secret, step = Math.floor(Date.now() / 30000)) => {
  const counter = new Uint8Array(8);
  let rest = step;
  for (let i = 7; i >= 0; i -= 1) {
    counter[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  const hex = crypto.hmac('sha1', base32Decode(secret), counter.buffer, 'hex');
  const offset = parseInt(hex.slice(-1), 16);
  const binary = parseInt(hex.slice(offset * 2, offset * 2 + 8), 16) & 0x7fffffff;
  return String(binary % 1000000).padStart(6, '0');
};

/**
 * An account with TOTP on: set up and confirmed with the current step. Returns it with its secret,
 * its recovery codes and the last step used (a step signs in once).
 */
export const totpAccount = (headers = client()) => {
  const person = account(headers);
  const setup = call('POST', 'auth-2fa-setup', { body: { method: 'totp' }, token: person.tokens.accessToken, headers });
  if (!setup.ok) fail('auth-2fa-setup did not answer 200');
  const secret = setup.res.json('secret');
  const step = Math.floor(Date.now() / 30000);
  const confirmed = call('POST', 'auth-2fa-confirm', { body: { code: totp(secret, step) }, token: person.tokens.accessToken, headers });
  if (!confirmed.ok) fail('auth-2fa-confirm did not answer 200');
  return { ...person, secret, lastStep: step, recoveryCodes: confirmed.res.json('recoveryCodes') };
};

/**
 * Verifies `person`'s (from register()) email with the code the dev mailbox received
 * (lib/mailbox.js); true when auth-verify-email answered `active`.
 */
export const verifyFromMailbox = (person, headers = client()) => {
  const code = awaitSecret(person.email, 'email-verification');
  if (!code) return false;
  const { ok } = call('POST', 'auth-verify-email', {
    body: { email: person.email, code, ...(person.realm ? { tenantId: person.realm } : {}) },
    headers,
    checks: { 'verified, active': (r) => r.json('status') === 'active' },
  });
  return ok;
};

/** A registered account (a customer of `tenantId`, if given) verified from the mailbox; undefined when a step failed (its check says which). */
export const verifiedPerson = (headers = client(), { tenantId } = {}) => {
  const person = register(newEmail(), headers, { tenantId });
  return person && verifyFromMailbox(person, headers) ? person : undefined;
};
