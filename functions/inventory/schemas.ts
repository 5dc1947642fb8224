import { z } from 'zod';
import { productId, sku } from '../products/schemas';

/** API shapes of the inventory operations. Quantities are whole units. */
export const MAX_QUANTITY = 1_000_000_000;

const quantity = z.number().int().min(0).max(MAX_QUANTITY);

/** One variant's stock: `/{productId}/{sku}`. */
export const stockParams = z.object({ productId, sku }).strict();

/** inventory-set: the absolute count on hand, and optionally the low-stock threshold (kept when omitted, 0 when new). */
export const setStockBody = z.object({ onHand: quantity, lowStockThreshold: quantity.optional() }).strict();

/** inventory-adjust: a relative change of the count on hand (a delivery in, breakage out) and why. */
export const adjustStockBody = z
  .object({
    delta: z
      .number()
      .int()
      .min(-MAX_QUANTITY)
      .max(MAX_QUANTITY)
      .refine((delta) => delta !== 0, 'must not be 0'),
    reason: z.string().trim().min(1).max(200),
  })
  .strict();

export const stockLevel = z.object({
  productId: z.string(),
  sku: z.string(),
  /** Units in the warehouse, including those held for orders not yet confirmed. */
  onHand: z.number().int(),
  /** Units held for orders (reserved, not yet committed or released). */
  reserved: z.number().int(),
  /** onHand − reserved: what a new order can still take. */
  available: z.number().int(),
  lowStockThreshold: z.number().int(),
  version: z.number().int().positive(),
  updatedAt: z.string(),
});

export type StockParams = z.infer<typeof stockParams>;
export type SetStockBody = z.infer<typeof setStockBody>;
export type AdjustStockBody = z.infer<typeof adjustStockBody>;
export type StockLevel = z.infer<typeof stockLevel>;
