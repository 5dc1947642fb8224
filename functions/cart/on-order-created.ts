import { defineConsumer } from '../../layers/events/consumer';
import { orderCreated } from '../orders/events';
import { cartDeps, type CartDeps } from './deps';
import { mutateCart } from './mutate';
import { takeOrderOut } from './rules';

/**
 * An order was placed: what it bought leaves the buyer's cart (an order taken from the cart
 * empties it), and so does its coupon. Idempotent beyond the inbox: the cart remembers the
 * orders taken out of it, so a second delivery changes nothing; a buyer without a cart is left alone.
 */
export const makeTakeOrderOut =
  (deps: CartDeps) =>
  async (
    tenantId: string,
    order: { orderId: string; buyerId: string; lines: { productId: string; sku: string; quantity: number }[]; coupon: { code: string } | null },
  ) => {
    if (!(await deps.carts.read(tenantId, order.buyerId))) return undefined;
    return mutateCart(deps, { tenantId, buyerId: order.buyerId }, async (cart) =>
      takeOrderOut(cart, { orderId: order.orderId, lines: order.lines, couponCode: order.coupon?.code.toUpperCase() ?? null }),
    );
  };

export default defineConsumer(
  {
    name: 'cart-on-order-created',
    summary: "Take a placed order's lines and coupon out of the buyer's cart",
    events: { [orderCreated.type]: orderCreated.schema },
  },
  async (event) => {
    await makeTakeOrderOut(await cartDeps())(event.tenantId, event.data);
  },
);
