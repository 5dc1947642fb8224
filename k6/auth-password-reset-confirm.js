import encoding from 'k6/encoding';
import crypto from 'k6/crypto';
import { check } from 'k6';
import { call, pause } from './lib/api.js';
import { PASSWORD, PASSWORD_THRESHOLDS, client, login, register } from './lib/auth.js';
import { awaitSecret, hasMailbox } from './lib/mailbox.js';
import { loadOptions } from './lib/scenarios.js';

// Setting a password and signing in are bcrypt work: the password operations' latency bar.
export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// With the dev mailbox (GET /dev/mailbox answers 200: `npm start`, the end-to-end system), each VU
// is an account that resets its password every iteration: it asks for a reset, reads the token
// the notification service mailed, sets a new password with it (204), and then the old password
// is refused and the new one signs in; the used token is refused. Each VU's account asks for a
// reset every iteration, so a load run raises the per-email reset limit (AUTH_RATE_LIMIT_SCALE).
//
// Without it (404: a deployed gateway), a reset token reaches only the account's mailbox, so the
// load a client can drive is tokens that are wrong, used or expired: each refused as
// invalid_token, and before any password work. The happy path keeps that check too.
export const setup = () => {
  const mailbox = hasMailbox();
  if (!mailbox) console.log('no /dev/mailbox on the gateway: refusal paths only');
  return { mailbox };
};

const refused = (token, what = 'refused as invalid_token') =>
  call('POST', 'auth-password-reset-confirm', {
    body: { token, password: 'k6-Lantern-Orchard-4096' },
    status: 400,
    checks: { [what]: (r) => r.json('code') === 'invalid_token' },
  });

let person;
let password = PASSWORD;
const used = [];

const happyPath = () => {
  const headers = client();
  person ??= register(undefined, headers);
  if (!person) return;
  const { ok } = call('POST', 'auth-password-reset-request', {
    body: { email: person.email },
    headers,
    status: 202,
    checks: { accepted: (r) => r.json('status') === 'accepted' },
  });
  if (!ok) return;
  const token = awaitSecret(person.email, 'password-reset', { skip: used });
  if (!token) return;
  used.push(token);
  const next = `${PASSWORD}-${__VU}-${__ITER + 1}`;
  const reset = call('POST', 'auth-password-reset-confirm', { body: { token, password: next }, headers, status: 204 });
  if (!reset.ok) return;
  const old = password;
  password = next;
  call('POST', 'auth-login', {
    body: { email: person.email, password: old },
    headers,
    status: 401,
    checks: { 'the old password is refused': (r) => r.json('code') === 'invalid_credentials' },
  });
  const tokens = login(person.email, headers, { password });
  check(tokens, { 'the new password signs in': (t) => Boolean(t && t.accessToken) });
  refused(token, 'a used token is refused');
};

export default (data) => {
  if (data.mailbox) happyPath();
  refused(encoding.b64encode(crypto.randomBytes(32), 'rawurl'));
  pause();
};
