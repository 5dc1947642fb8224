import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { orderDelivered } from '../orders/events';
import type { ReviewDeps } from './deps';
import { eligibilityStore } from './repository';

type OrderDelivered = z.infer<typeof orderDelivered.schema>;

/**
 * Records that the buyer received each product of a delivered order: review-create asks for it.
 * One document per (tenant, buyer, product), upserted, so a redelivered order, or a second order
 * of the same product, changes nothing. Written one after the other in the order's line order, so
 * whoever sees the last product's eligibility may rely on all of them. Returns the products recorded.
 */
export const makeOnOrderDelivered =
  (deps: Pick<ReviewDeps, 'eligibility'>) =>
  async (event: ConsumedEvent<OrderDelivered>): Promise<string[]> => {
    const { orderId, buyerId, lines } = event.data;
    const products = [...new Set(lines.map((line) => line.productId))];
    const deliveredAt = new Date(event.time);
    for (const productId of products) await deps.eligibility.record({ tenantId: event.tenantId, buyerId, productId, orderId, deliveredAt });
    return products;
  };

export default defineConsumer(
  {
    name: 'review-on-order-delivered',
    summary: 'Let the buyer of a delivered order review its products',
    events: { [orderDelivered.type]: orderDelivered.schema },
  },
  async (event, context) => {
    const products = await makeOnOrderDelivered({ eligibility: await eligibilityStore() })(event);
    context.log.info({ orderId: event.data.orderId, products: products.length }, 'review eligibility recorded');
  },
);
