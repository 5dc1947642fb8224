import { defineHttp } from '../../layers/http/define';
import { optionalIfMatchHeaders } from '../../layers/http/versioning';
import { cartDeps, type CartDeps } from './deps';
import { cartReply, mutateCart, targetOf, type MutationTarget } from './mutate';
import { cartView, type CartView } from './schemas';

// Schemas: optional If-Match in; `cartView` out.

/**
 * Empties the buyer's cart and drops its coupon. The cart document stays (emptied, next version),
 * so versions only grow and an older cached cart can never come back.
 */
export const makeClearCart =
  (deps: CartDeps) =>
  (target: MutationTarget): Promise<CartView> =>
    mutateCart(deps, target, async (cart) => (cart.items.length === 0 && cart.couponCode === null ? undefined : { items: [], couponCode: null }));

export default defineHttp(
  {
    name: 'cart-clear',
    method: 'DELETE',
    summary: "Empty the caller's cart",
    tags: ['cart'],
    auth: 'customer',
    request: { headers: optionalIfMatchHeaders },
    response: { status: 200, schema: cartView, description: 'The emptied cart' },
    errors: [412, 503],
  },
  async ({ headers, actor, tenantId }) => cartReply(await makeClearCart(await cartDeps())(targetOf(tenantId, actor.userId, headers['if-match']))),
);
