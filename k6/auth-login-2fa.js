import { call, pause } from './lib/api.js';
import { client, login, totp, totpAccount } from './lib/auth.js';
import { PASSWORD_THRESHOLDS } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// People with TOTP on, signing in: password, then the code of their authenticator. A time step
// signs in once, so a person signing in again within 30 s uses one of their recovery codes;
// when those run out, the VU becomes a new person.
let person;

const answer = () => {
  const now = Math.floor(Date.now() / 30000);
  const step = Math.max(now, person.lastStep + 1);
  if (step <= now + 1) {
    person.lastStep = step;
    return { code: totp(person.secret, step) };
  }
  return { recoveryCode: person.recoveryCodes.pop() };
};

export default () => {
  if (!person || (person.recoveryCodes.length === 0 && person.lastStep > Math.floor(Date.now() / 30000))) person = totpAccount(client());
  const challenge = login(person.email);
  if (!challenge || !challenge.challengeId) return;
  call('POST', 'auth-login-2fa', {
    body: { challengeId: challenge.challengeId, ...answer() },
    checks: { 'signed in': (r) => typeof r.json('accessToken') === 'string' },
  });
  pause();
};
