import http from 'k6/http';
import { check } from 'k6';

// Talks to the gateway like any client: GATEWAY_URL and a bearer TOKEN (npm run -s token).
export const GATEWAY = __ENV.GATEWAY_URL || 'http://127.0.0.1:8080';
const TOKEN = __ENV.TOKEN;
if (!TOKEN) throw new Error('TOKEN is required: TOKEN=$(npm run -s token -- --tenant load --role owner)');

export const headers = (extra = {}) => ({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...extra });

export const uuid = () =>
  'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });

export const createProduct = (name) => {
  const res = http.post(
    `${GATEWAY}/function/products-create`,
    JSON.stringify({ storeId: 'load', name, status: 'active', category: 'load-test', price: { amount: 1999, currency: 'EUR' } }),
    { headers: headers({ 'idempotency-key': uuid() }), tags: { name: 'products-create' } },
  );
  check(res, { 'created 201': (r) => r.status === 201 });
  return res.json();
};
