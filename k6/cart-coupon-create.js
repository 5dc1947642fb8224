import { call, pause, uuid } from './lib/api.js';
import { couponBody } from './lib/cart.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A seller's back office creating coupons: percentage and fixed in turn, each with its own code
// and Idempotency-Key. TOKEN must be a manager or above (npm run -s token -- --role owner).
export default () => {
  const body =
    __ITER % 2 === 0 ? couponBody({ usageLimit: 100, perCustomerLimit: 1 }) : couponBody({ kind: 'fixed', value: 500, currency: 'EUR', minimumSpend: 2000 });
  call('POST', 'cart-coupon-create', {
    body,
    headers: { 'idempotency-key': uuid() },
    status: 201,
    checks: { 'code stored upper case': (r) => r.json('code') === body.code.toUpperCase(), 'same terms': (r) => r.json('kind') === body.kind },
  });
  pause();
};
