import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// The load tenant's owner (TOKEN) looking at the tenant's flagged sign-ins, page by page.
export default () => {
  const { res, ok } = call('GET', 'auth-flagged-signins', { query: { limit: 20 }, checks: { 'a page': (r) => Array.isArray(r.json('items')) } });
  const next = ok ? res.json('nextCursor') : null;
  if (next) call('GET', 'auth-flagged-signins', { query: { limit: 20, cursor: next } });
  pause();
};
