import { call, pause } from './lib/api.js';
import { PASSWORD_THRESHOLDS, login, register } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// Sign in, sign out; signing out twice is still 204.
let person;

export default () => {
  person ??= register();
  const tokens = login(person.email);
  if (!tokens) return;
  call('POST', 'auth-logout', { body: { refreshToken: tokens.refreshToken }, status: 204 });
  if (__ITER % 5 === 0) call('POST', 'auth-logout', { body: { refreshToken: tokens.refreshToken }, status: 204 });
  pause();
};
