import { defineHttp } from '../../layers/http/define';
import { optionalIfMatchHeaders } from '../../layers/http/versioning';
import { cartDeps, type CartDeps } from './deps';
import { cartReply, mutateCart, otherLines, readViews, targetOf, type MutationTarget } from './mutate';
import { cartCurrency, priceCart, requireBuyable, setQuantity } from './rules';
import { cartView, lineParams, updateItemBody, type CartView } from './schemas';

// Schemas: `lineParams` ({productId}/{sku}), `updateItemBody` ({ quantity }, strict), optional If-Match in; `cartView` out.

/** Sets a line's quantity (1..1000); the variant must still be for sale and in stock (422), the line in the cart (404). */
export const makeUpdateItem =
  (deps: CartDeps) =>
  (target: MutationTarget, line: { productId: string; sku: string; quantity: number }): Promise<CartView> =>
    mutateCart(deps, target, async (cart) => {
      const items = setQuantity(cart, line.productId, line.sku, line.quantity);
      const views = await readViews(
        deps.views,
        cart.tenantId,
        items.map((item) => item.productId),
      );
      const currency = cartCurrency(priceCart(otherLines(cart, line.productId, line.sku), views));
      requireBuyable(views.get(line.productId), line, currency);
      return { items };
    });

export default defineHttp(
  {
    name: 'cart-update-item',
    method: 'PATCH',
    path: '/{productId}/{sku}',
    summary: "Change the quantity of a line of the caller's cart",
    tags: ['cart'],
    auth: 'customer',
    request: { params: lineParams, body: updateItemBody, headers: optionalIfMatchHeaders },
    response: { status: 200, schema: cartView, description: 'The priced cart' },
    errors: [404, 412, 422, 503],
  },
  async ({ params, body, headers, actor, tenantId }) =>
    cartReply(await makeUpdateItem(await cartDeps())(targetOf(tenantId, actor.userId, headers['if-match']), { ...params, quantity: body.quantity })),
);
