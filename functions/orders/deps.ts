import { v7 as uuidv7 } from 'uuid';
import { nudgeOutbox } from '../../layers/events/outbox';
import { couponLedger, type CouponLedger } from '../cart/coupons';
import { cartSnapshots, type CartSnapshots } from '../cart/snapshot';
import { viewStore, type ViewStore } from '../products/read-model';
import { orderCreated } from './events';
import { orderStore, type OrderStore } from './repository';

/** What orders operations need from the outside world; handlers wire the real ones. */
export interface OrderDeps {
  store: OrderStore;
  now: () => Date;
  /** Wakes the outbox relay to drain the order just written; best effort, the relay also sweeps. */
  nudge: (id: string) => void;
}

export interface CreateOrderDeps extends OrderDeps {
  newId: () => string;
  /** The product read model prices every line. */
  views: Pick<ViewStore, 'read'>;
  /** Redeems the coupon for the order, and gives it back if the order is not written. */
  coupons: Pick<CouponLedger, 'redeem' | 'release'>;
  /** The buyer's cart, when the order is taken from it. */
  carts: CartSnapshots;
}

export const orderDeps = async (): Promise<OrderDeps> => ({
  store: await orderStore(),
  now: () => new Date(),
  nudge: (id) => nudgeOutbox({ ...orderCreated.aggregate, id }),
});

export const createOrderDeps = async (): Promise<CreateOrderDeps> => {
  const [base, views, coupons, carts] = await Promise.all([orderDeps(), viewStore(), couponLedger(), cartSnapshots()]);
  return { ...base, newId: uuidv7, views, coupons, carts };
};
