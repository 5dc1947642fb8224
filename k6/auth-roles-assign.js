import { check, fail, sleep } from 'k6';
import { call, pause, uuid } from './lib/api.js';
import { PASSWORD_THRESHOLDS, client, login, register, verifiedPerson, verifyFromMailbox } from './lib/auth.js';
import { hasMailbox } from './lib/mailbox.js';
import { loadOptions, scenarioVus } from './lib/scenarios.js';

const MAX_VUS = 50;

// Customers register in each iteration: the password operations' latency bar.
export const options = loadOptions({ maxVus: MAX_VUS, thresholds: PASSWORD_THRESHOLDS });

// Owners granting roles, and the tenant boundary.
//
// With the dev mailbox (GET /dev/mailbox answers 200: `npm start`, the end-to-end system), setup()
// makes a real tenant the way a seller does: registers, verifies from the mailbox, onboards, waits
// for the saga to make them owner, and signs in as that owner. (Not the runner's TOKEN tenant:
// k6/lib/tenant.js provisions that one for a user the identity service never had, so auth keeps no
// record of it and nobody can register in it.) Each iteration a customer registers INTO that tenant
// (tenantId), cannot be made staff before verifying (422), verifies with the mailed code, and the
// owner grants `staff` and then `customer` again in the same iteration, so the staff seat is given
// back: the plan is chosen so that every VU can hold one seat at once (FREE's 2 seats for the smoke
// run's 2 VUs, PRO's 25, else ENTERPRISE). Granting `owner` is above the owner's own level (403),
// and the runner's owner (TOKEN, another tenant) gets 404 for that customer.
//
// Without it (404: a deployed gateway), this tenant's only users would be customers whose email is
// verified from their mailbox, which is not reachable from here, so the load is the boundary
// alone. In both modes the runner's owner (TOKEN) aims at a seller of the platform, who must be
// refused as not found (the tenant boundary), after the whole check.

/** The plans' staff seats (layers/plans/index.ts; null: no limit). */
const STAFF_SEATS = { FREE: 2, PRO: 25, ENTERPRISE: null };

/** The smallest plan with a staff seat for every VU the run peaks at (a seat is held between grant and revoke). */
const planFor = (vus) => Object.keys(STAFF_SEATS).find((plan) => STAFF_SEATS[plan] === null || STAFF_SEATS[plan] >= vus);

const OWNER_POLLS = 40;
const OWNER_POLL_S = 0.5;
/** The owner signs in again when its access token is this old (the identity service's default lifetime is 10 minutes). */
const OWNER_TOKEN_MAX_AGE_MS = 5 * 60_000;

/** In setup(): a seller who onboards on `plan` and becomes owner; `{ email, tenantId, plan }`, or the run stops. */
const ownTenant = (plan) => {
  const headers = client();
  const seller = verifiedPerson(headers);
  if (!seller) fail('setup: the owner-to-be did not register and verify from the mailbox');
  const tokens = login(seller.email, headers);
  if (!tokens || !tokens.accessToken) fail('setup: the owner-to-be did not sign in');
  const requested = call('POST', 'auth-onboarding-complete', {
    body: { tenant: { name: 'Load Roles Shop', slug: `k6-${uuid()}`, type: 'SELLER_BUSINESS', plan } },
    token: tokens.accessToken,
    headers: { ...headers, 'idempotency-key': uuid() },
    status: 202,
  });
  if (!requested.ok) fail('setup: auth-onboarding-complete did not answer 202');
  for (let poll = 0; poll < OWNER_POLLS; poll += 1) {
    const { res, ok } = call('GET', 'auth-me', { token: tokens.accessToken });
    if (ok && res.json('roles').includes('owner')) return { email: seller.email, tenantId: seller.tenantId, plan };
    sleep(OWNER_POLL_S);
  }
  return fail(`setup: the onboarding saga did not make the seller owner within ${OWNER_POLLS * OWNER_POLL_S} s`);
};

export const setup = () => {
  if (!hasMailbox()) {
    console.log('no /dev/mailbox on the gateway: the tenant boundary only');
    return { mailbox: false };
  }
  return { mailbox: true, owner: ownTenant(planFor(scenarioVus({ maxVus: MAX_VUS }))) };
};

let ownerToken;
let ownerSince = 0;

/** This VU's owner token: signed in (as the owner, from the VU's own client) when missing or old. */
const owner = (email, headers) => {
  if (!ownerToken || Date.now() - ownerSince > OWNER_TOKEN_MAX_AGE_MS) {
    const tokens = login(email, headers);
    ownerToken = tokens && tokens.accessToken;
    ownerSince = Date.now();
  }
  return ownerToken;
};

const assign = (userId, roles, token, { status = 200, checks = {} } = {}) =>
  call('POST', 'auth-roles-assign', { body: { userId, roles }, token, status, checks });

const grantAndRevoke = ({ email, tenantId }) => {
  const headers = client();
  const token = owner(email, headers);
  if (!token) return;
  const customer = register(undefined, headers, { tenantId });
  if (!customer) return;
  check(customer, { 'a customer of the tenant': (c) => c.tenantId === tenantId });
  assign(customer.userId, ['staff'], token, {
    status: 422,
    checks: { 'staff needs a verified email': (r) => r.json('code') === 'email_not_verified' },
  });
  assign(customer.userId, ['owner'], token, {
    status: 403,
    checks: { 'no grant at the granter level': (r) => r.json('code') === 'role_above_own_level' },
  });
  if (!verifyFromMailbox(customer, headers)) return;
  // The runner's owner (TOKEN) is of another tenant: this customer does not exist for it.
  assign(customer.userId, ['staff'], undefined, { status: 404, checks: { 'not in the runner tenant': (r) => r.json('code') === 'not_found' } });
  const granted = assign(customer.userId, ['staff'], token, { checks: { 'made staff': (r) => r.json('roles').includes('staff') } });
  if (!granted.ok) return;
  assign(customer.userId, ['customer'], token, {
    checks: { 'a customer again, the seat given back': (r) => r.json('roles').length === 1 && r.json('roles')[0] === 'customer' },
  });
};

let stranger;

export default (data) => {
  if (data.mailbox) grantAndRevoke(data.owner);
  stranger ??= register();
  assign(stranger.userId, ['staff'], undefined, { status: 404, checks: { 'not in this tenant': (r) => r.json('code') === 'not_found' } });
  pause();
};
