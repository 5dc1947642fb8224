import { fail } from 'k6';
import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A tenant's admins editing their message templates: each edit is rendered with sample variables
// before it is stored (strict Handlebars), so this measures validation plus one upsert.
const TEMPLATES = [
  {
    key: 'welcome',
    channel: 'email',
    body: { subject: 'Welcome, {{name}}', text: '{{tenantName}} is ready on the {{plan}} plan.', html: '<p>{{tenantName}} is ready.</p>' },
  },
  { key: 'login-2fa', channel: 'email', body: { subject: 'Your sign-in code', text: 'Code: {{code}} ({{expiresInMinutes}} min)', html: '<b>{{code}}</b>' } },
  { key: 'login-2fa', channel: 'sms', body: { text: 'Shop: {{code}} is your code ({{expiresInMinutes}} min).' } },
  { key: 'password-reset', channel: 'email', body: { subject: 'Reset your password', text: 'Reset token: {{code}}' } },
];

// Setup makes sure every template exists, so each iteration replaces one (200).
export const setup = () => {
  const listed = call('GET', 'notification-template-list', { query: { limit: 100 } });
  if (!listed.ok) fail('setup: notification-template-list did not answer 200');
  const existing = new Set(listed.res.json('items').map((t) => `${t.key}/${t.channel}/${t.locale}`));
  for (const t of TEMPLATES) {
    const created = !existing.has(`${t.key}/${t.channel}/en`);
    const reply = call('PUT', 'notification-template-upsert', { path: `/${t.key}/${t.channel}`, body: t.body, status: created ? 201 : 200 });
    if (!reply.ok) fail(`setup: notification-template-upsert ${t.key}/${t.channel} failed`);
  }
  return {};
};

export default () => {
  const t = TEMPLATES[(__VU + __ITER) % TEMPLATES.length];
  const body = { ...t.body, text: `${t.body.text} [edit ${__VU}.${__ITER}]` };
  call('PUT', 'notification-template-upsert', {
    path: `/${t.key}/${t.channel}`,
    body,
    checks: {
      'stored as sent': (r) => r.json('text') === body.text && r.json('source') === 'tenant',
      'previewed with sample variables': (r) => typeof r.json('preview.text') === 'string' && !r.json('preview.text').includes('{{'),
    },
  });
  pause();
};
