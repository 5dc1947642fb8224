import encoding from 'k6/encoding';
import crypto from 'k6/crypto';
import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A reset token reaches only the account's mailbox (sealed in auth.code.issued), so the load a
// client can drive is tokens that are wrong, used or expired: each refused as invalid_token,
// and before any password work.
export default () => {
  const token = encoding.b64encode(crypto.randomBytes(32), 'rawurl');
  call('POST', 'auth-password-reset-confirm', {
    body: { token, password: 'k6-Lantern-Orchard-4096' },
    status: 400,
    checks: { 'refused as invalid_token': (r) => r.json('code') === 'invalid_token' },
  });
  pause();
};
