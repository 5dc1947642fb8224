import { defineHttp } from '../../layers/http/define';
import { cartDeps } from './deps';
import { cartReply, getCart } from './mutate';
import { cartView } from './schemas';

// Schemas: nothing in (the caller's own cart); `cartView` out.

/**
 * The caller's priced cart: lines, subtotal, coupon discount and total. Served from the versioned
 * Redis cache while its prices are fresh (under a minute old), else read from Mongo and priced
 * again from the product read model. A buyer only ever sees their own cart.
 */
export default defineHttp(
  {
    name: 'cart-get',
    method: 'GET',
    summary: "The caller's priced cart",
    tags: ['cart'],
    auth: 'customer',
    response: { status: 200, schema: cartView, description: 'The priced cart; an empty one at version 0 if the buyer never had one' },
  },
  async ({ actor, tenantId }) => cartReply(await getCart(await cartDeps(), tenantId, actor.userId)),
);
