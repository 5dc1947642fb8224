import { call, pause } from './lib/api.js';
import { account } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A signed-in client reading its profile, refreshing its access token when it is about to expire.
let person;
let expiresAt = 0;

export default () => {
  if (!person) {
    person = account();
    expiresAt = Date.now() + person.tokens.expiresIn * 1000;
  }
  if (Date.now() > expiresAt - 30000) {
    const { res, ok } = call('POST', 'auth-refresh', { body: { refreshToken: person.tokens.refreshToken }, headers: person.headers });
    if (ok) {
      person.tokens = res.json();
      expiresAt = Date.now() + person.tokens.expiresIn * 1000;
    }
  }
  call('GET', 'auth-me', {
    token: person.tokens.accessToken,
    checks: { 'own profile': (r) => r.json('id') === person.userId && r.json('passwordHash') === undefined },
  });
  pause();
};
