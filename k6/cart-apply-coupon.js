import { fail } from 'k6';
import { call, pause, uuid } from './lib/api.js';
import { CART_MAX_VUS, addOwn, cartSetup, couponBody } from './lib/cart.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ maxVus: CART_MAX_VUS });

// A 10 % coupon without usage limits, created by the seller (TOKEN is an owner) through the API.
export const setup = () => {
  const { productId } = cartSetup();
  const { res, ok } = call('POST', 'cart-coupon-create', { body: couponBody(), headers: { 'idempotency-key': uuid() }, status: 201 });
  if (!ok) fail('setup: cart-coupon-create did not answer 201');
  return { productId, code: res.json('code') };
};

let added = false; // per VU

// Each VU applies the coupon, then takes it off, in turn; the cart shows the discount the server computed.
export default ({ productId, code }) => {
  if (!added) added = addOwn(productId).ok;
  if (__ITER % 2 === 0) {
    call('POST', 'cart-apply-coupon', {
      body: { code: code.toLowerCase() },
      checks: {
        'applied and valid': (r) => r.json('coupon.code') === code && r.json('coupon.valid') === true,
        '10 % off, rounded for the buyer': (r) => r.json('discount') === Math.ceil(r.json('subtotal') / 10),
      },
    });
  } else {
    call('POST', 'cart-apply-coupon', { body: { code: null }, checks: { 'no discount': (r) => r.json('discount') === 0 } });
  }
  pause();
};
