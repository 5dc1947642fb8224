import { call, pause } from './lib/api.js';
import { register } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// The code is only in the person's mailbox (sealed in auth.code.issued for the notification
// service), so the load is what a client can drive: asking for a new code, and mistyped codes,
// which must be refused alike whether or not the code was burnt meanwhile.
let person;

export default () => {
  person ??= register();
  if (__ITER % 5 === 0) {
    call('POST', 'auth-verify-email', {
      body: { email: person.email, resend: true },
      status: 202,
      checks: { 'code sent': (r) => r.json('status') === 'sent' },
    });
  } else {
    call('POST', 'auth-verify-email', {
      body: { email: person.email, code: '000000' },
      status: 400,
      checks: { 'refused as invalid_code': (r) => r.json('code') === 'invalid_code' },
    });
  }
  pause();
};
