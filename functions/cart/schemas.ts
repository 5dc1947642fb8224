import { z } from 'zod';
import { currency, productId, sku } from '../products/schemas';

/**
 * API shapes of the cart service. Money is integer minor units. Every request schema is
 * `.strict()`: a price, a total or any other field the server computes is refused (400), never
 * trusted — lines are priced from the product read model.
 */
export const MAX_QUANTITY = 1000;
export const MAX_LINES = 50;

export const quantity = z.number().int().min(1).max(MAX_QUANTITY);

/** Coupon codes are case-insensitive: stored and compared upper case. */
export const couponCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/, 'a coupon code: 3 to 32 letters, digits, _ or -')
  .transform((value) => value.toUpperCase());

export const addItemBody = z.object({ productId, sku, quantity }).strict();
export const lineParams = z.object({ productId, sku }).strict();
export const updateItemBody = z.object({ quantity }).strict();
export const applyCouponBody = z.object({ code: couponCode.nullable() }).strict();

export type AddItem = z.infer<typeof addItemBody>;

export const cartLineView = z.object({
  productId: z.string(),
  sku: z.string(),
  quantity: z.number().int(),
  name: z.string().nullable(),
  unitPrice: z.number().int().nullable(),
  lineTotal: z.number().int(),
  /** False when the line cannot be bought now (product gone, not active, variant removed, another currency). */
  available: z.boolean(),
  problem: z.string().nullable(),
});

export const cartCouponView = z.object({
  code: z.string(),
  discount: z.number().int(),
  /** False when the coupon no longer applies to this cart (expired, minimum spend, exhausted...); `problem` says why. */
  valid: z.boolean(),
  problem: z.string().nullable(),
});

/** The priced cart. */
export const cartView = z.object({
  buyerId: z.string(),
  items: z.array(cartLineView),
  currency: z.string(),
  subtotal: z.number().int(),
  discount: z.number().int(),
  total: z.number().int(),
  coupon: cartCouponView.nullable(),
  version: z.number().int().min(0),
  updatedAt: z.string().nullable(),
  pricedAt: z.string(),
});

export type CartLineView = z.infer<typeof cartLineView>;
export type CartView = z.infer<typeof cartView>;

const isoTime = z.string().datetime({ offset: true });

export const couponInput = z
  .object({
    code: couponCode,
    kind: z.enum(['percentage', 'fixed']),
    /** percentage: whole percent, 1..100; fixed: minor units of `currency`. */
    value: z.number().int().positive().max(100_000_000_00),
    /** Required for a fixed coupon; restricts a percentage coupon to carts in that currency. */
    currency: currency.nullable().default(null),
    minimumSpend: z.number().int().min(0).max(100_000_000_00).default(0),
    validFrom: isoTime.optional(),
    validUntil: isoTime,
    usageLimit: z.number().int().positive().max(10_000_000).nullable().default(null),
    perCustomerLimit: z.number().int().positive().max(10_000).nullable().default(null),
  })
  .strict();

export type CouponInput = z.infer<typeof couponInput>;

export const coupon = z.object({
  code: z.string(),
  tenantId: z.string(),
  kind: z.enum(['percentage', 'fixed']),
  value: z.number().int(),
  currency: z.string().nullable(),
  minimumSpend: z.number().int(),
  validFrom: z.string(),
  validUntil: z.string(),
  usageLimit: z.number().int().nullable(),
  perCustomerLimit: z.number().int().nullable(),
  createdAt: z.string(),
});

export type Coupon = z.infer<typeof coupon>;

export { currency };
