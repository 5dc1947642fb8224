import { call, pause } from './lib/api.js';
import { newEmail, register } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Reset requests for an account and for addresses with none: the same 202 either way.
let person;

export default () => {
  person ??= register();
  const email = __ITER % 2 === 0 ? person.email : newEmail('nobody');
  call('POST', 'auth-password-reset-request', { body: { email }, status: 202, checks: { accepted: (r) => r.json('status') === 'accepted' } });
  pause();
};
