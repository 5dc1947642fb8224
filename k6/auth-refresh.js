import { call, pause } from './lib/api.js';
import { account } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A signed-in client keeping its session: every refresh rotates the refresh token.
let person;

export default () => {
  person ??= account();
  const { res, ok } = call('POST', 'auth-refresh', {
    body: { refreshToken: person.tokens.refreshToken },
    headers: person.headers,
    checks: { rotated: (r) => r.json('refreshToken') !== person.tokens.refreshToken },
  });
  if (ok) person.tokens = res.json();
  pause();
};
