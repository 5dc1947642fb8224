import { defineHttp } from '../../layers/http/define';
import { optionalIfMatchHeaders } from '../../layers/http/versioning';
import { cartDeps, type CartDeps } from './deps';
import { cartReply, mutateCart, targetOf, type MutationTarget } from './mutate';
import { removeLine } from './rules';
import { cartView, lineParams, type CartView } from './schemas';

// Schemas: `lineParams` ({productId}/{sku}), optional If-Match in; `cartView` out.

/** Removes a line from the buyer's cart; 404 `cart_line_not_found` when the cart has no such line. */
export const makeRemoveItem =
  (deps: CartDeps) =>
  (target: MutationTarget, line: { productId: string; sku: string }): Promise<CartView> =>
    mutateCart(deps, target, async (cart) => ({ items: removeLine(cart, line.productId, line.sku) }));

export default defineHttp(
  {
    name: 'cart-remove-item',
    method: 'DELETE',
    path: '/{productId}/{sku}',
    summary: "Remove a line from the caller's cart",
    tags: ['cart'],
    auth: 'customer',
    request: { params: lineParams, headers: optionalIfMatchHeaders },
    response: { status: 200, schema: cartView, description: 'The priced cart' },
    errors: [404, 412, 503],
  },
  async ({ params, headers, actor, tenantId }) =>
    cartReply(await makeRemoveItem(await cartDeps())(targetOf(tenantId, actor.userId, headers['if-match']), params)),
);
