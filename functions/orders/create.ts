import { UnprocessableError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { etagOf } from '../../layers/http/versioning';
import { priceLine, requireInStock, totalOf } from '../products/pricing';
import { createOrderDeps, type CreateOrderDeps } from './deps';
import { orderCreated } from './events';
import { buildOrder, mergeLines, ORDER_CODES, orderRef, storeOf, toApi } from './rules';
import { createOrderBody, order, type CreateOrderBody, type Order } from './schemas';

// Schemas: `createOrderBody` in (strict: no client prices), `order` out (./schemas).

/** The lines and coupon the order is placed with: the body's, or the buyer's cart's. */
const basketOf = async (deps: CreateOrderDeps, input: CreateOrderBody, actor: { tenantId: string; userId: string }) => {
  if (input.items) return { items: input.items, couponCode: input.couponCode ?? null };
  const cart = await deps.carts.read(actor.tenantId, actor.userId);
  if (!cart || cart.items.length === 0) throw new UnprocessableError('The cart is empty: add items, or send them with the order.', ORDER_CODES.cartEmpty);
  return { items: cart.items, couponCode: input.couponCode ?? cart.couponCode };
};

/**
 * Places an order (state pending) with its `created` event in one document write; the checkout
 * saga takes it from there. Every line is priced from the product read model, never from the
 * client, and refused when it asks for more than the read model knows to be available. The
 * coupon is redeemed for the order's id before the write, and released if the write fails, so a
 * failed order never keeps a redemption.
 */
export const makeCreateOrder =
  (deps: CreateOrderDeps) =>
  async (input: CreateOrderBody, actor: { tenantId: string; userId: string }): Promise<Order> => {
    const basket = await basketOf(deps, input, actor);
    const requested = mergeLines(basket.items);
    const views = await Promise.all(requested.map((line) => deps.views.read(actor.tenantId, line.productId)));
    const lines = requested.map((line, index) => priceLine(views[index], line));
    requested.forEach((line, index) => requireInStock(views[index], line));
    const { currency, subtotal } = totalOf(lines);
    const id = deps.newId();
    const now = deps.now();
    const redemption = { tenantId: actor.tenantId, customerId: actor.userId, orderId: id };
    const coupon = basket.couponCode ? await deps.coupons.redeem({ ...redemption, code: basket.couponCode, subtotal, currency, now }) : null;
    const created = buildOrder({
      id,
      tenantId: actor.tenantId,
      buyerId: actor.userId,
      storeId: storeOf(views),
      lines,
      currency,
      subtotal,
      coupon,
      email: input.email,
      payment: input.payment,
      now,
    });
    const event = orderCreated.create({
      subject: id,
      tenantId: actor.tenantId,
      source: 'orders-create',
      data: {
        ...orderRef(created),
        subtotal: created.subtotal,
        discount: created.discount,
        coupon: created.coupon ? { code: created.coupon.code } : null,
        checkout: created.checkout,
        createdAt: created.createdAt,
      },
    });
    try {
      await deps.store.insert(created, [event]);
    } catch (error) {
      // The write's error is the answer; should the release fail too, that redemption stays taken.
      if (coupon) await deps.coupons.release({ ...redemption, code: coupon.code }).catch(() => undefined);
      throw error;
    }
    deps.nudge(id);
    return created;
  };

export default defineHttp(
  {
    name: 'orders-create',
    method: 'POST',
    summary: 'Place an order (Idempotency-Key required)',
    description:
      'Prices every line from the catalogue (prices sent by the client are refused), redeems the coupon and starts the checkout saga. ' +
      "Without `items`, the order is the buyer's cart.",
    tags: ['orders'],
    auth: 'customer',
    idempotent: true,
    request: { body: createOrderBody },
    response: { status: 201, schema: order, description: 'The order, pending' },
    errors: [404, 409, 422],
  },
  async ({ body, actor }) => {
    const created = await makeCreateOrder(await createOrderDeps())(body, actor);
    return { body: toApi(created), headers: { etag: etagOf(created.version), location: `/function/orders-get/${created.id}` } };
  },
);
