import { defineConsumer } from '../../layers/events/consumer';
import { orderCancelled } from '../orders/events';
import { couponLedger, type CouponLedger } from './coupons';

/**
 * An order was cancelled: its coupon redemption, if it had one, is given back (the coupon's and
 * the customer's usage count one less). Idempotent: a redemption is released once, and an order
 * without one changes nothing.
 */
export const makeReleaseOrderCoupon =
  (deps: { ledger: Pick<CouponLedger, 'releaseOrder'> }) =>
  (tenantId: string, orderId: string): ReturnType<CouponLedger['releaseOrder']> =>
    deps.ledger.releaseOrder({ tenantId, orderId });

export default defineConsumer(
  {
    name: 'cart-on-order-cancelled',
    summary: "Give a cancelled order's coupon redemption back",
    events: { [orderCancelled.type]: orderCancelled.schema },
  },
  async (event) => {
    await makeReleaseOrderCoupon({ ledger: await couponLedger() })(event.tenantId, event.data.orderId);
  },
);
