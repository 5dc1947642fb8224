import http from 'k6/http';
import { check, fail, sleep } from 'k6';

// Talks to the gateway like any client: GATEWAY_URL and a bearer TOKEN (npm run -s token), or
// PLATFORM_TOKEN for the operators' functions. `npm run load` sets all three.
export const GATEWAY = __ENV.GATEWAY_URL || 'http://127.0.0.1:8080';
const TOKEN = __ENV.TOKEN;
if (!TOKEN) throw new Error('TOKEN is required: TOKEN=$(npm run -s token -- --tenant load --role owner)');

export const headers = (extra = {}, token = TOKEN) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra });

/** The platform-role token, required by the scripts of operator functions. */
export const platformToken = () => {
  const token = __ENV.PLATFORM_TOKEN;
  if (!token) throw new Error('PLATFORM_TOKEN is required: PLATFORM_TOKEN=$(npm run -s token -- --tenant ops --role platform)');
  return token;
};

export const uuid = () =>
  'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });

/** `/function/<name><path>` on the gateway, with an optional query string. */
export const url = (fn, path = '', query) => {
  const qs = query
    ? Object.entries(query)
        .filter(([, value]) => value !== undefined && value !== null)
        .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
        .join('&')
    : '';
  return `${GATEWAY}/function/${fn}${path}${qs ? `?${qs}` : ''}`;
};

/**
 * One request to a function, tagged with its name (so results break down per function), and a
 * check that it answered `status`. Returns the response and whether the check held.
 */
export const call = (method, fn, { path = '', query, body, headers: extra = {}, token, status = 200, checks = {} } = {}) => {
  const res = http.request(method, url(fn, path, query), body === undefined ? null : JSON.stringify(body), {
    headers: headers(extra, token),
    tags: { name: fn },
    // A problem the script expects (a 422 it provokes) is an answer, not a failed request.
    ...(status >= 400 ? { responseCallback: http.expectedStatuses(status) } : {}),
  });
  const ok = check(res, { [`${fn} ${status}`]: (r) => r.status === status, ...answerChecks(checks, status) });
  if (!ok) report(method, fn, path, res);
  return { res, ok };
};

/**
 * A check on the answer's content holds only for the expected status, and fails (rather than
 * throwing out of the iteration) when the body is not what it reads: under stress a timeout's
 * problem body has no `items`.
 */
const answerChecks = (checks, status) =>
  Object.fromEntries(
    Object.entries(checks).map(([name, holds]) => [
      name,
      (r) => {
        if (r.status !== status) return false;
        try {
          return holds(r);
        } catch {
          return false;
        }
      },
    ]),
  );

// The first few failures of each VU are printed with the problem the function answered, so a
// failed check says why; past that, the summary's counts tell the rest.
const REPORTED_MAX = 5;
let reported = 0;
const report = (method, fn, path, res) => {
  if (reported >= REPORTED_MAX) return;
  reported += 1;
  console.warn(`${method} ${fn}${path} answered ${res.status}: ${String(res.body).slice(0, 300)}`);
};

/** A random element. */
export const pick = (items) => items[Math.floor(Math.random() * items.length)];

/** Think time between a client's requests: THINK_S seconds (default 0.1), ±50 %. */
export const pause = () => {
  const seconds = Number(__ENV.THINK_S ?? 0.1);
  if (seconds > 0) sleep(seconds * (0.5 + Math.random()));
};

/** A product as a seller would list it; `overrides` replaces fields. */
export const productBody = (name, overrides = {}) => ({
  storeId: 'load',
  name,
  description: `${name}: made for the load test, in small batches.`,
  category: 'load-test',
  tags: ['load', 'k6'],
  status: 'active',
  price: { amount: 1999, currency: 'EUR' },
  variants: [{ sku: 'BASE', name: 'Standard', attributes: { size: 'M' } }],
  ...overrides,
});

/** Creates a product (idempotently, as clients retry); returns `{ id, version, ... }` or undefined. */
export const createProduct = (name, overrides = {}) => {
  const { res, ok } = call('POST', 'products-create', {
    body: productBody(name, overrides),
    headers: { 'idempotency-key': uuid() },
    status: 201,
  });
  return ok ? res.json() : undefined;
};

/** In setup(): `count` products, or the run stops (a load test on missing data measures nothing). */
export const createProducts = (count, name = (i) => `Load product ${i}`, overrides = () => ({})) =>
  Array.from({ length: count }, (_, i) => {
    const product = createProduct(name(i), overrides(i));
    if (!product) fail(`setup: products-create did not answer 201 (product ${i})`);
    return { id: product.id, version: product.version };
  });

/** `If-Match` for the version a client last read. */
export const ifMatch = (version) => ({ 'if-match': `"${version}"` });

/** Polls `probe` (which returns a value when ready) every half second for up to `seconds`, or fails. */
export const waitFor = (what, probe, seconds = 30) => {
  for (let waited = 0; waited < seconds; waited += 0.5) {
    const value = probe();
    if (value) return value;
    sleep(0.5);
  }
  return fail(`setup: timed out after ${seconds} s waiting for ${what}`);
};
