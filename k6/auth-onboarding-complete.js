import { check, sleep } from 'k6';
import { call, pause, uuid } from './lib/api.js';
import { PASSWORD_THRESHOLDS, account, client, login, verifiedPerson } from './lib/auth.js';
import { hasMailbox } from './lib/mailbox.js';
import { loadOptions } from './lib/scenarios.js';

// Each iteration registers and signs in a new seller: the password operations' latency bar.
export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// Sellers asking for their tenant.
//
// With the dev mailbox (GET /dev/mailbox answers 200: `npm start`, the end-to-end system), each
// iteration is a new seller who verifies their email with the mailed code, signs in and onboards
// (a unique slug, FREE or PRO in turn): 202 requested; then the saga runs (auth → tenant
// provisions → auth makes the seller owner), and auth-me, asked a few times a short while apart
// (bounded), shows them `owner` of their provisioned tenant. Asking again is 409 already_onboarded.
// Every fifth iteration a signed-in seller who has not verified is refused as well.
//
// Without it (404: a deployed gateway), onboarding needs a verified email whose code only the
// mailbox has, so the load is signed-in sellers who have not verified yet: refused, nothing asked.
export const setup = () => {
  const mailbox = hasMailbox();
  if (!mailbox) console.log('no /dev/mailbox on the gateway: refusal paths only');
  return { mailbox };
};

/** How often, and how far apart, auth-me is asked while the saga makes the seller owner. */
const OWNER_POLLS = 30;
const OWNER_POLL_S = 0.5;

const PLANS = ['FREE', 'PRO'];
const TYPES = ['SELLER_INDIVIDUAL', 'SELLER_BUSINESS'];

const tenantBody = (slug, plan = 'FREE', type = 'SELLER_INDIVIDUAL') => ({ tenant: { name: 'Load Shop', slug, type, plan } });

let unverified;

const refusedUnverified = () => {
  unverified ??= account();
  call('POST', 'auth-onboarding-complete', {
    body: tenantBody(`load-${__VU}-${__ITER}-${uuid().slice(0, 8)}`),
    token: unverified.tokens.accessToken,
    headers: { 'idempotency-key': uuid() },
    status: 403,
    checks: { 'verify first': (r) => r.json('code') === 'email_not_verified' },
  });
};

/** auth-me until the saga has made the caller owner, or OWNER_POLLS readings; the last profile read. */
const ownerProfile = (token) => {
  let profile;
  for (let poll = 0; poll < OWNER_POLLS; poll += 1) {
    const { res, ok } = call('GET', 'auth-me', { token });
    profile = ok ? res.json() : undefined;
    if (profile && profile.roles.includes('owner')) break;
    sleep(OWNER_POLL_S);
  }
  return profile;
};

const happyPath = () => {
  const headers = client();
  const seller = verifiedPerson(headers);
  if (!seller) return;
  const tokens = login(seller.email, headers);
  if (!tokens || !tokens.accessToken) return;
  const plan = PLANS[__ITER % PLANS.length];
  const slug = `k6-${uuid()}`;
  const body = tenantBody(slug, plan, TYPES[(__VU + __ITER) % TYPES.length]);
  const requested = call('POST', 'auth-onboarding-complete', {
    body,
    token: tokens.accessToken,
    headers: { ...headers, 'idempotency-key': uuid() },
    status: 202,
    checks: { 'provisioning requested': (r) => r.json('status') === 'requested' && r.json('tenantId') === seller.tenantId },
  });
  if (!requested.ok) return;
  const profile = ownerProfile(tokens.accessToken);
  check(profile, {
    'owner of the provisioned tenant': (p) => Boolean(p) && p.roles.includes('owner') && p.tenantId === seller.tenantId,
    'onboarding provisioned': (p) => Boolean(p) && p.onboarding.status === 'provisioned',
  });
  call('POST', 'auth-onboarding-complete', {
    body: tenantBody(`k6-${uuid()}`, plan),
    token: tokens.accessToken,
    headers: { ...headers, 'idempotency-key': uuid() },
    status: 409,
    checks: { 'onboarded once': (r) => r.json('code') === 'already_onboarded' },
  });
};

export default (data) => {
  if (data.mailbox) {
    happyPath();
    if (__ITER % 5 === 0) refusedUnverified();
  } else {
    refusedUnverified();
  }
  pause();
};
