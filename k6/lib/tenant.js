import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import http from 'k6/http';
import { check, fail } from 'k6';
import { call, headers, ifMatch, url, uuid, waitFor } from './api.js';

// The runner's tenant, for the tenant-* scripts. A runner's token names a fresh tenant that no
// onboarding made, so setup() provisions it the way the onboarding saga does: the event auth
// writes when a verified user asks for a tenant (auth.user.onboarding-completed.v1), delivered
// to tenant-on-onboarding-completed through the gateway as the trigger connector delivers it,
// signed with CONNECTOR_SECRET when the gateway has one (pass the same value to k6). A tenant
// that exists already is used as it is.

/** The claims of the runner's TOKEN (its tenant `tid`, its user `sub`); k6 only reads them. */
const claims = () => JSON.parse(encoding.b64decode(__ENV.TOKEN.split('.')[1], 'rawurl', 's'));

/** A slug of the tenant id: lower-case letters, digits and single dashes, 3 to 48 of them. */
const slugOf = (tenantId) =>
  `load-${tenantId}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');

const onboardingCompleted = ({ tid, sub }, plan) => {
  const id = uuid();
  const body = JSON.stringify({
    userId: sub,
    email: `${String(sub)
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .slice(0, 60)}@load.example.com`,
    name: 'Load Test Owner',
    tenant: { name: `Load tenant ${tid}`.slice(0, 120), slug: slugOf(tid), type: 'SELLER_BUSINESS', plan },
  });
  const ceHeaders = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': 'auth.user.onboarding-completed.v1',
    'ce-source': 'auth-onboarding-complete',
    'ce-subject': sub,
    'ce-time': new Date().toISOString(),
    'ce-tenantid': tid,
    'ce-correlationid': id,
    'x-topic': 'auth.user.onboarding-completed',
  };
  const secret = __ENV.CONNECTOR_SECRET;
  if (secret) ceHeaders['x-connector-signature'] = `sha256=${crypto.hmac('sha256', secret, `${id}.${body}`, 'hex')}`;
  return { body, headers: ceHeaders };
};

/** In setup(): the runner's tenant, provisioned on `plan` if it was not yet; `{ id, version, plan, ... }`. */
export const ensureTenant = (plan = 'ENTERPRISE') => {
  const current = http.get(url('tenant-get'), { headers: headers(), tags: { name: 'tenant-get' }, responseCallback: http.expectedStatuses(200, 404) });
  if (current.status === 200) return current.json();
  if (current.status !== 404) fail(`setup: tenant-get answered ${current.status}: ${String(current.body).slice(0, 300)}`);
  const event = onboardingCompleted(claims(), plan);
  const delivered = http.post(url('tenant-on-onboarding-completed'), event.body, { headers: event.headers, tags: { name: 'tenant-on-onboarding-completed' } });
  const processed = check(delivered, { 'onboarding event processed': (r) => r.status === 200 && r.json('status') === 'processed' });
  if (!processed) fail(`setup: tenant-on-onboarding-completed answered ${delivered.status}: ${String(delivered.body).slice(0, 300)}`);
  return waitFor('the provisioned tenant', () => {
    const { res, ok } = call('GET', 'tenant-get', { checks: { 'provisioned, active': (r) => r.json('status') === 'active' } });
    return ok ? res.json() : undefined;
  });
};

const MAX_TRIES = 5;

/**
 * Changes the tenant at the version last read (If-Match), as a back office does; when another
 * editor got there first (412), reads again and retries. Every 412 on the way is an expected
 * answer, not a failed request. Returns the final `{ res, ok }` of the change.
 */
export const changeAtLatest = (method, fn, body, checks = {}) => {
  for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
    const read = call('GET', 'tenant-get');
    if (!read.ok) return read;
    const version = read.res.json('version');
    const payload = typeof body === 'function' ? body(read.res.json()) : body;
    const res = http.request(method, url(fn), JSON.stringify(payload), {
      headers: headers(ifMatch(version)),
      tags: { name: fn },
      responseCallback: http.expectedStatuses(200, 412),
    });
    if (res.status === 412 && attempt < MAX_TRIES) continue;
    const ok = check(res, { [`${fn} 200`]: (r) => r.status === 200, 'one version on': (r) => r.json('version') > version, ...checks });
    if (!ok) console.warn(`${method} ${fn} answered ${res.status}: ${String(res.body).slice(0, 300)}`);
    return { res, ok };
  }
  return { res: undefined, ok: false };
};
