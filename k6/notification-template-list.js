import { fail } from 'k6';
import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Three of the tenant's own templates (English and French welcome SMS, a sign-in code email),
// written through the API; the built-in ones make up the rest.
const SEED = [
  { path: '/welcome/sms', body: { locale: 'en', text: '{{tenantName}} is ready.' } },
  { path: '/welcome/sms', body: { locale: 'fr', text: '{{tenantName}} est prête.' } },
  { path: '/login-2fa/email', body: { subject: 'Code', text: 'Code: {{code}}' } },
];

export const setup = () => {
  const listed = call('GET', 'notification-template-list', { query: { limit: 100 } });
  if (!listed.ok) fail('setup: notification-template-list did not answer 200');
  const existing = new Set(listed.res.json('items').map((t) => `/${t.key}/${t.channel}/${t.locale}`));
  for (const { path, body } of SEED) {
    const created = !existing.has(`${path}/${body.locale ?? 'en'}`);
    if (!call('PUT', 'notification-template-upsert', { path, body, status: created ? 201 : 200 }).ok) fail(`setup: could not write ${path}`);
  }
  return {};
};

// What a staff member's settings page asks: a first page and the next by cursor, one purpose, one channel.
export default () => {
  const first = call('GET', 'notification-template-list', {
    query: { limit: 2 },
    checks: {
      'a page of 2 and a cursor': (r) => r.json('items').length === 2 && typeof r.json('nextCursor') === 'string',
      // Every purpose and channel the service knows, once each (their number grows with the services).
      'built-in defaults': (r) => {
        const defaults = r.json('defaults');
        const keys = defaults.map((d) => `${d.key}/${d.channel}/${d.locale}`);
        return defaults.length > 0 && defaults.every((d) => d.source === 'default') && new Set(keys).size === keys.length;
      },
    },
  });
  if (first.ok && first.res.json('nextCursor')) {
    call('GET', 'notification-template-list', {
      query: { limit: 2, cursor: first.res.json('nextCursor') },
      checks: { 'next page': (r) => r.json('items').length >= 1 },
    });
  }
  call('GET', 'notification-template-list', {
    query: { key: 'welcome', channel: 'sms' },
    checks: { 'both locales': (r) => r.json('items').length >= 2 && r.json('items').every((t) => t.key === 'welcome' && t.channel === 'sms') },
  });
  pause();
};
