import { defineHttp } from '../../layers/http/define';
import { couponDeps, type CouponDeps } from './deps';
import { couponCreated } from './events';
import { buildCoupon } from './rules';
import { coupon, couponInput, type Coupon, type CouponInput } from './schemas';

// Schemas: `couponInput` in (strict; code case-insensitive, stored upper case), `coupon` out (./schemas).

/**
 * Creates a tenant's coupon with its `cart.coupon.created` event in one document write.
 * A code is unique per tenant (409 `coupon_exists`); terms that cannot work (a fixed coupon
 * without currency, a percentage above 100, an empty window) are 422 `coupon_invalid`.
 */
export const makeCreateCoupon =
  (deps: CouponDeps) =>
  async (input: CouponInput, tenantId: string): Promise<Coupon> => {
    const created = buildCoupon(input, { tenantId, now: deps.now() });
    const { tenantId: _tenant, createdAt: _at, ...data } = created;
    const event = couponCreated.create({ subject: created.code, tenantId, data, source: 'cart-coupon-create' });
    await deps.catalog.insert(created, [event]);
    deps.nudge(tenantId, created.code);
    return created;
  };

export default defineHttp(
  {
    name: 'cart-coupon-create',
    method: 'POST',
    summary: 'Create a coupon (percentage or fixed; window, minimum spend, usage limits)',
    tags: ['cart'],
    auth: 'manager',
    idempotent: true,
    request: { body: couponInput },
    response: { status: 201, schema: coupon, description: 'The created coupon' },
    errors: [409, 422],
  },
  async ({ body, tenantId }) => ({ body: await makeCreateCoupon(await couponDeps())(body, tenantId) }),
);
