import { ConflictError } from '../../layers/errors';
import { couponCatalog, type CouponCatalog } from './repository';
import { checkCoupon, checkUsage, COUPON_CODES, CouponNotFoundError, usageRefusal } from './rules';
import { redemptionCounters, type RedemptionCounters } from './store';

/**
 * The coupon ledger: the port orders (checkout) and cart (apply-coupon, cart view) use to
 * validate and redeem a tenant's coupons. Definitions live in Mongo (cached in Redis, they never
 * change); usage counts per coupon and per customer live in Redis and move only in one Lua step
 * that checks both limits, counts both and records the order's redemption — so 50 concurrent
 * redemptions of a coupon limited to 5 give exactly 5, and a retry for the same order returns
 * the same redemption without counting again.
 *
 * Discounts: a percentage coupon takes a whole percent rounded UP to the next minor unit (in the
 * buyer's favour: 15 % of 999 is 150); a fixed one its value; neither more than the subtotal.
 *
 * Codes are case-insensitive (compared upper case). Refusals: 404 `coupon_not_found` (another
 * tenant's coupon included), 422 `coupon_expired`, `coupon_not_started`, `coupon_exhausted`,
 * `coupon_customer_limit`, `coupon_minimum_spend`, `coupon_currency`.
 */
export interface CouponRedemption {
  code: string;
  discount: number;
}

export interface CouponLedger {
  /** Validates (exists in tenant, active window, minimum spend, currency) and redeems atomically for the order; idempotent per orderId. */
  redeem(input: {
    tenantId: string;
    code: string;
    customerId: string;
    orderId: string;
    subtotal: number;
    currency: string;
    now: Date;
  }): Promise<CouponRedemption>;
  /** Same validation without redeeming (apply-coupon, and a price preview). */
  quote(input: { tenantId: string; code: string; customerId: string; subtotal: number; currency: string; now: Date }): Promise<CouponRedemption>;
  /** Gives an order's redemption back (idempotent; unknown order → no-op). */
  release(input: { tenantId: string; code: string; customerId: string; orderId: string }): Promise<void>;
  /** Gives an order's redemption back, whatever coupon it used (orders.order.cancelled does not name it); idempotent. */
  releaseOrder(input: { tenantId: string; orderId: string }): Promise<CouponRedemption | undefined>;
}

export interface CouponLedgerDeps {
  catalog: Pick<CouponCatalog, 'find'>;
  counters: RedemptionCounters;
}

const normalise = (code: string): string => code.trim().toUpperCase();

export const makeCouponLedger = ({ catalog, counters }: CouponLedgerDeps): CouponLedger => {
  const definition = async (tenantId: string, code: string) => {
    const found = await catalog.find(tenantId, code);
    if (!found) throw new CouponNotFoundError(code);
    return found;
  };

  return {
    async quote(input) {
      const code = normalise(input.code);
      const coupon = await definition(input.tenantId, code);
      const discount = checkCoupon(coupon, input);
      checkUsage(coupon, await counters.usage(input.tenantId, code, input.customerId));
      return { code, discount };
    },

    async redeem(input) {
      const code = normalise(input.code);
      // A retry for an order already redeemed gets its redemption back, even if the coupon expired since.
      const previous = await counters.redemptionOf(input.tenantId, input.orderId);
      if (previous?.state === 'redeemed' && previous.code === code) return { code, discount: previous.discount };
      const coupon = await definition(input.tenantId, code);
      const discount = checkCoupon(coupon, input);
      const result = await counters.redeem({
        tenantId: input.tenantId,
        code,
        customerId: input.customerId,
        orderId: input.orderId,
        discount,
        usageLimit: coupon.usageLimit,
        perCustomerLimit: coupon.perCustomerLimit,
      });
      switch (result.outcome) {
        case 'redeemed':
        case 'existing':
          return { code: result.code, discount: result.discount };
        case 'order_conflict':
          throw new ConflictError(`Order ${input.orderId} already redeemed coupon ${result.code}.`, COUPON_CODES.orderConflict, { couponCode: result.code });
        default:
          throw usageRefusal(code, result.outcome);
      }
    },

    async release(input) {
      await counters.release(input.tenantId, input.orderId, normalise(input.code));
    },

    async releaseOrder({ tenantId, orderId }) {
      const redemption = await counters.redemptionOf(tenantId, orderId);
      if (!redemption || redemption.state !== 'redeemed') return undefined;
      return (await counters.release(tenantId, orderId, redemption.code)) ? { code: redemption.code, discount: redemption.discount } : undefined;
    },
  };
};

/** The ledger over the real stores (their connections are opened once per process). */
export const couponLedger = async (): Promise<CouponLedger> => makeCouponLedger({ catalog: await couponCatalog(), counters: await redemptionCounters() });
