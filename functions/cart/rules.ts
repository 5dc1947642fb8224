import { AppError, NotFoundError, PreconditionFailedError, UnprocessableError } from '../../layers/errors';
import { priceLine, PRICING_CODES, requireInStock, type LineRequest, type PricedLine } from '../products/pricing';
import type { StoredView } from '../products/read-model';
import { MAX_LINES, MAX_QUANTITY, type CartLineView, type CartView, type Coupon, type CouponInput } from './schemas';

/** Pure cart and coupon rules: no I/O; the clock, views and usage passed in. */

// ------------------------------------------------------------------ coupons

/** Stable problem codes of coupon refusals; clients branch on them. */
export const COUPON_CODES = {
  notFound: 'coupon_not_found',
  expired: 'coupon_expired',
  notStarted: 'coupon_not_started',
  exhausted: 'coupon_exhausted',
  customerLimit: 'coupon_customer_limit',
  minimumSpend: 'coupon_minimum_spend',
  currency: 'coupon_currency',
  exists: 'coupon_exists',
  invalid: 'coupon_invalid',
  orderConflict: 'coupon_order_conflict',
} as const;

/** 404 with the stable code `coupon_not_found`: unknown here, including another tenant's coupon. */
export class CouponNotFoundError extends NotFoundError {
  override readonly code: string = COUPON_CODES.notFound;
  constructor(code: string) {
    super('coupon', code);
  }
}

/** Validates a seller's coupon and fixes its window; 422 `coupon_invalid` for terms that cannot work. */
export const buildCoupon = (input: CouponInput, meta: { tenantId: string; now: Date }): Coupon => {
  const invalid = (detail: string, field: string) => new UnprocessableError(detail, COUPON_CODES.invalid, { field });
  if (input.kind === 'fixed' && !input.currency) throw invalid('A fixed coupon needs the currency of its value.', 'currency');
  if (input.kind === 'percentage' && input.value > 100) throw invalid('A percentage coupon takes a whole percent from 1 to 100.', 'value');
  const validFrom = input.validFrom ? new Date(input.validFrom) : meta.now;
  const validUntil = new Date(input.validUntil);
  if (validUntil.getTime() <= validFrom.getTime()) throw invalid('validUntil must be after validFrom.', 'validUntil');
  return {
    code: input.code,
    tenantId: meta.tenantId,
    kind: input.kind,
    value: input.value,
    currency: input.currency,
    minimumSpend: input.minimumSpend,
    validFrom: validFrom.toISOString(),
    validUntil: validUntil.toISOString(),
    usageLimit: input.usageLimit,
    perCustomerLimit: input.perCustomerLimit,
    createdAt: meta.now.toISOString(),
  };
};

/**
 * The discount a coupon gives on `subtotal`. A percentage rounds in the buyer's favour (up to the
 * next minor unit: 15 % of 999 is 150); no discount ever exceeds the subtotal.
 */
export const discountFor = (coupon: Pick<Coupon, 'kind' | 'value'>, subtotal: number): number => {
  const raw = coupon.kind === 'percentage' ? Math.ceil((subtotal * coupon.value) / 100) : coupon.value;
  return Math.max(0, Math.min(raw, subtotal));
};

/** Checks a coupon's window, currency and minimum spend for a cart or order; returns the discount. */
export const checkCoupon = (coupon: Coupon, order: { subtotal: number; currency: string; now: Date }): number => {
  const at = order.now.getTime();
  if (at < Date.parse(coupon.validFrom)) {
    throw new UnprocessableError(`Coupon ${coupon.code} is valid from ${coupon.validFrom}.`, COUPON_CODES.notStarted, { validFrom: coupon.validFrom });
  }
  if (at >= Date.parse(coupon.validUntil)) {
    throw new UnprocessableError(`Coupon ${coupon.code} expired at ${coupon.validUntil}.`, COUPON_CODES.expired, { validUntil: coupon.validUntil });
  }
  if (coupon.currency && coupon.currency !== order.currency) {
    throw new UnprocessableError(`Coupon ${coupon.code} applies to ${coupon.currency} only.`, COUPON_CODES.currency, { currency: coupon.currency });
  }
  if (order.subtotal < coupon.minimumSpend) {
    throw new UnprocessableError(`Coupon ${coupon.code} needs a subtotal of at least ${coupon.minimumSpend}.`, COUPON_CODES.minimumSpend, {
      minimumSpend: coupon.minimumSpend,
    });
  }
  return discountFor(coupon, order.subtotal);
};

/** Refusals for a coupon used up, overall or by this customer (the same checks the atomic redemption makes). */
export const usageRefusal = (code: string, outcome: 'exhausted' | 'customer_limit'): UnprocessableError =>
  outcome === 'exhausted'
    ? new UnprocessableError(`Coupon ${code} has been used up.`, COUPON_CODES.exhausted)
    : new UnprocessableError(`You have used coupon ${code} as many times as it allows.`, COUPON_CODES.customerLimit);

export const checkUsage = (coupon: Pick<Coupon, 'code' | 'usageLimit' | 'perCustomerLimit'>, usage: { used: number; byCustomer: number }): void => {
  if (coupon.usageLimit !== null && usage.used >= coupon.usageLimit) throw usageRefusal(coupon.code, 'exhausted');
  if (coupon.perCustomerLimit !== null && usage.byCustomer >= coupon.perCustomerLimit) throw usageRefusal(coupon.code, 'customer_limit');
};

// ------------------------------------------------------------------ carts

export interface CartLine {
  productId: string;
  sku: string;
  quantity: number;
}

/** The stored cart: one per buyer per tenant; `version` 0 is a cart never written. */
export interface Cart {
  tenantId: string;
  buyerId: string;
  items: CartLine[];
  couponCode: string | null;
  version: number;
  updatedAt: string | null;
  /** Orders already taken out of this cart (most recent last), so a redelivered order event changes nothing. */
  appliedOrders: string[];
}

export const CART_CODES = {
  full: 'cart_full',
  quantityLimit: 'quantity_limit',
  lineNotFound: 'cart_line_not_found',
  empty: 'cart_empty',
} as const;

/** How many order ids a cart remembers for idempotency. */
export const APPLIED_ORDERS_KEPT = 20;

export const emptyCart = (tenantId: string, buyerId: string): Cart => ({
  tenantId,
  buyerId,
  items: [],
  couponCode: null,
  version: 0,
  updatedAt: null,
  appliedOrders: [],
});

const sameLine = (line: { productId: string; sku: string }, productId: string, sku: string): boolean => line.productId === productId && line.sku === sku;

export const findLine = (cart: Cart, productId: string, sku: string): CartLine | undefined => cart.items.find((line) => sameLine(line, productId, sku));

/** The cart's lines after adding `line`: quantities of the same variant add up. */
export const addLine = (cart: Cart, line: CartLine): CartLine[] => {
  const existing = findLine(cart, line.productId, line.sku);
  if (!existing) {
    if (cart.items.length >= MAX_LINES) throw new UnprocessableError(`A cart holds at most ${MAX_LINES} lines.`, CART_CODES.full, { maxLines: MAX_LINES });
    return [...cart.items, { ...line }];
  }
  const quantity = existing.quantity + line.quantity;
  if (quantity > MAX_QUANTITY) {
    throw new UnprocessableError(`A line holds at most ${MAX_QUANTITY} units; the cart has ${existing.quantity}.`, CART_CODES.quantityLimit, {
      maxQuantity: MAX_QUANTITY,
      quantity: existing.quantity,
    });
  }
  return cart.items.map((item) => (item === existing ? { ...item, quantity } : item));
};

const lineNotFound = (productId: string, sku: string) =>
  new AppError(404, CART_CODES.lineNotFound, 'Not Found', `The cart has no line for ${productId} / ${sku}.`, { resource: 'cart line' });

export const setQuantity = (cart: Cart, productId: string, sku: string, quantity: number): CartLine[] => {
  if (!findLine(cart, productId, sku)) throw lineNotFound(productId, sku);
  return cart.items.map((item) => (sameLine(item, productId, sku) ? { ...item, quantity } : item));
};

export const removeLine = (cart: Cart, productId: string, sku: string): CartLine[] => {
  if (!findLine(cart, productId, sku)) throw lineNotFound(productId, sku);
  return cart.items.filter((item) => !sameLine(item, productId, sku));
};

/**
 * The cart after an order was placed: the ordered quantities leave it (an order taken from the
 * cart empties it; an order of other items leaves the rest), and so does the coupon if the order
 * used it. Undefined when this order was already taken out.
 */
export const takeOrderOut = (cart: Cart, order: { orderId: string; lines: readonly CartLine[]; couponCode: string | null }): Partial<Cart> | undefined => {
  if (cart.appliedOrders.includes(order.orderId)) return undefined;
  const items = cart.items
    .map((item) => {
      const ordered = order.lines.filter((line) => sameLine(line, item.productId, item.sku)).reduce((sum, line) => sum + line.quantity, 0);
      return { ...item, quantity: item.quantity - ordered };
    })
    .filter((item) => item.quantity > 0);
  const couponCode = cart.couponCode !== null && cart.couponCode === order.couponCode ? null : cart.couponCode;
  return { items, couponCode, appliedOrders: [...cart.appliedOrders, order.orderId].slice(-APPLIED_ORDERS_KEPT) };
};

/** Optional If-Match on cart mutations: when sent, it must name the current version. */
export const checkVersion = (cart: Cart, expected: number | undefined): void => {
  if (expected !== undefined && expected !== cart.version) {
    throw new PreconditionFailedError(`The cart is at version ${cart.version}, not ${expected}.`, { version: cart.version });
  }
};

/**
 * The line a buyer adds or changes must be buyable now: priced from the read model (422
 * `product_unavailable` / `variant_not_found`), in the cart's currency (422 `mixed_currencies`),
 * and within the stock the read model knows of (422 `insufficient_stock`; unknown stock is not refused).
 */
export const requireBuyable = (view: StoredView | undefined, line: LineRequest, cartCurrency: string | null): PricedLine => {
  const priced = priceLine(view, line);
  if (cartCurrency && priced.currency !== cartCurrency) {
    throw new UnprocessableError(`This cart is in ${cartCurrency}; ${line.productId} is priced in ${priced.currency}.`, PRICING_CODES.mixedCurrencies, {
      currency: cartCurrency,
    });
  }
  requireInStock(view, line);
  return priced;
};

export interface PricedCart {
  lines: CartLineView[];
  currency: string;
  subtotal: number;
}

/**
 * Prices every line from the read model. A line that cannot be bought now (product gone or not
 * active, variant removed, priced in another currency than the cart's first buyable line) stays
 * in the cart, marked unavailable with the reason, and counts for nothing.
 */
export const priceCart = (items: readonly CartLine[], views: ReadonlyMap<string, StoredView | undefined>, fallbackCurrency = 'USD'): PricedCart => {
  let currency: string | undefined;
  const lines = items.map((item): CartLineView => {
    try {
      const priced = priceLine(views.get(item.productId), item);
      currency ??= priced.currency;
      if (priced.currency !== currency) throw new UnprocessableError('another currency', PRICING_CODES.mixedCurrencies);
      return { ...item, name: priced.name, unitPrice: priced.unitPrice, lineTotal: priced.lineTotal, available: true, problem: null };
    } catch (error) {
      if (!(error instanceof AppError) || !error.isClientError) throw error;
      return { ...item, name: null, unitPrice: null, lineTotal: 0, available: false, problem: error.code };
    }
  });
  return { lines, currency: currency ?? fallbackCurrency, subtotal: lines.reduce((sum, line) => sum + line.lineTotal, 0) };
};

/** The currency of the cart's buyable lines, or null while it has none. */
export const cartCurrency = (priced: PricedCart): string | null => (priced.lines.some((line) => line.available) ? priced.currency : null);

/** How the cart's coupon fares against its priced lines: a discount, or the refusal's code. */
export type CouponOutcome = { discount: number } | { problem: string };

export const assembleView = (cart: Cart, priced: PricedCart, coupon: CouponOutcome | null, pricedAt: Date): CartView => {
  const discount = coupon && 'discount' in coupon ? Math.min(coupon.discount, priced.subtotal) : 0;
  return {
    buyerId: cart.buyerId,
    items: priced.lines,
    currency: priced.currency,
    subtotal: priced.subtotal,
    discount,
    total: priced.subtotal - discount,
    coupon:
      cart.couponCode === null || coupon === null
        ? null
        : { code: cart.couponCode, discount, valid: 'discount' in coupon, problem: 'problem' in coupon ? coupon.problem : null },
    version: cart.version,
    updatedAt: cart.updatedAt,
    pricedAt: pricedAt.toISOString(),
  };
};
