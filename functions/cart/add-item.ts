import { defineHttp } from '../../layers/http/define';
import { optionalIfMatchHeaders } from '../../layers/http/versioning';
import { cartDeps, type CartDeps } from './deps';
import { cartReply, mutateCart, otherLines, readViews, targetOf, type MutationTarget } from './mutate';
import { addLine, cartCurrency, findLine, priceCart, requireBuyable } from './rules';
import { addItemBody, cartView, type AddItem, type CartView } from './schemas';

// Schemas: `addItemBody` ({ productId, sku, quantity }, strict: no price accepted), optional If-Match in; `cartView` out.

/**
 * Adds a variant to the buyer's cart (the same variant again adds to its quantity). The variant
 * must be for sale now, in the cart's currency and within known stock (422 otherwise); at most
 * 50 lines and 1000 units a line (422).
 */
export const makeAddItem =
  (deps: CartDeps) =>
  (target: MutationTarget, line: AddItem): Promise<CartView> =>
    mutateCart(deps, target, async (cart) => {
      const items = addLine(cart, line);
      const quantity = findLine({ ...cart, items }, line.productId, line.sku)!.quantity;
      const views = await readViews(
        deps.views,
        cart.tenantId,
        items.map((item) => item.productId),
      );
      const currency = cartCurrency(priceCart(otherLines(cart, line.productId, line.sku), views));
      requireBuyable(views.get(line.productId), { ...line, quantity }, currency);
      return { items };
    });

export default defineHttp(
  {
    name: 'cart-add-item',
    method: 'POST',
    summary: "Add a variant to the caller's cart",
    tags: ['cart'],
    auth: 'customer',
    request: { body: addItemBody, headers: optionalIfMatchHeaders },
    response: { status: 200, schema: cartView, description: 'The priced cart' },
    errors: [412, 422, 503],
  },
  async ({ body, headers, actor, tenantId }) => cartReply(await makeAddItem(await cartDeps())(targetOf(tenantId, actor.userId, headers['if-match']), body)),
);
