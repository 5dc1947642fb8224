import { defineHttp } from '../../layers/http/define';
import { optionalIfMatchHeaders } from '../../layers/http/versioning';
import { cartDeps, type CartDeps } from './deps';
import { cartReply, mutateCart, readViews, targetOf, type MutationTarget } from './mutate';
import { AppError, UnprocessableError } from '../../layers/errors';
import { CART_CODES, cartCurrency, priceCart } from './rules';
import { applyCouponBody, cartView, type CartView } from './schemas';

// Schemas: `applyCouponBody` ({ code } — null removes the coupon), optional If-Match in; `cartView` out.

/**
 * Puts a coupon on the buyer's cart after the ledger's quote accepts it for the cart as it is
 * (404 `coupon_not_found`, 422 `cart_empty` with nothing buyable in the cart, `coupon_expired`, `coupon_not_started`, `coupon_exhausted`,
 * `coupon_customer_limit`, `coupon_minimum_spend`, `coupon_currency`; nothing changes). Nothing is
 * redeemed here: checkout redeems it. `code: null` takes the coupon off.
 */
export const makeApplyCoupon =
  (deps: CartDeps) =>
  (target: MutationTarget, code: string | null): Promise<CartView> =>
    mutateCart(deps, target, async (cart) => {
      if (code === null) return cart.couponCode === null ? undefined : { couponCode: null };
      const views = await readViews(
        deps.views,
        cart.tenantId,
        cart.items.map((line) => line.productId),
      );
      const priced = priceCart(cart.items, views);
      const quoting = deps.ledger.quote({
        tenantId: cart.tenantId,
        code,
        customerId: cart.buyerId,
        subtotal: priced.subtotal,
        currency: priced.currency,
        now: deps.now(),
      });
      if (cartCurrency(priced) === null) {
        // An unknown coupon is a 404 whatever the cart holds; a known one cannot be judged against nothing.
        await quoting.catch((error: unknown) => {
          if (error instanceof AppError && error.status === 404) throw error;
        });
        throw new UnprocessableError('Add something to the cart before a coupon.', CART_CODES.empty);
      }
      const quote = await quoting;
      return cart.couponCode === quote.code ? undefined : { couponCode: quote.code };
    });

export default defineHttp(
  {
    name: 'cart-apply-coupon',
    method: 'POST',
    summary: "Apply a coupon to the caller's cart (or take it off with code null)",
    tags: ['cart'],
    auth: 'customer',
    request: { body: applyCouponBody, headers: optionalIfMatchHeaders },
    response: { status: 200, schema: cartView, description: 'The priced cart with its discount' },
    errors: [404, 412, 422, 503],
  },
  async ({ body, headers, actor, tenantId }) =>
    cartReply(await makeApplyCoupon(await cartDeps())(targetOf(tenantId, actor.userId, headers['if-match']), body.code)),
);
