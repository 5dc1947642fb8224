import { call, pause } from './lib/api.js';
import { PASSWORD_THRESHOLDS, register } from './lib/auth.js';
import { awaitSecret, hasMailbox } from './lib/mailbox.js';
import { loadOptions } from './lib/scenarios.js';

// Each iteration registers, so bcrypt is in the run: the password operations' latency bar.
export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// With the dev mailbox (GET /dev/mailbox answers 200: `npm start`, the end-to-end system), each
// iteration is a new seller verifying with the code the notification service mailed: a mistyped
// code is refused first, every third iteration asks for a new code (the first one is then refused),
// the real code makes the account active, and it cannot be used twice.
//
// Without it (404: a deployed gateway), the code is only in the person's mailbox, so the load is
// what a client can drive: asking for a new code, and mistyped codes, which must be refused alike
// whether or not the code was burnt meanwhile.
export const setup = () => {
  const mailbox = hasMailbox();
  if (!mailbox) console.log('no /dev/mailbox on the gateway: refusal paths only');
  return { mailbox };
};

const refused = (email, code, what = 'refused as invalid_code') =>
  call('POST', 'auth-verify-email', { body: { email, code }, status: 400, checks: { [what]: (r) => r.json('code') === 'invalid_code' } });

const resend = (email) =>
  call('POST', 'auth-verify-email', { body: { email, resend: true }, status: 202, checks: { 'code sent': (r) => r.json('status') === 'sent' } });

/** A 6-digit code that is not `code`. */
const otherThan = (code) => (code === '000000' ? '000001' : '000000');

const happyPath = () => {
  const person = register();
  if (!person) return;
  let code = awaitSecret(person.email, 'email-verification');
  if (!code) return;
  refused(person.email, otherThan(code));
  if (__ITER % 3 === 0) {
    resend(person.email);
    const first = code;
    code = awaitSecret(person.email, 'email-verification', { skip: [first] });
    if (!code) return;
    refused(person.email, first, 'the replaced code is refused');
  }
  call('POST', 'auth-verify-email', { body: { email: person.email, code }, checks: { 'verified, active': (r) => r.json('status') === 'active' } });
  refused(person.email, code, 'a used code is refused');
};

let person;

const refusalPath = () => {
  person ??= register();
  if (__ITER % 5 === 0) resend(person.email);
  else refused(person.email, '000000');
};

export default (data) => {
  if (data.mailbox) happyPath();
  else refusalPath();
  pause();
};
