import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '../../layers/config';

/**
 * The inventory service's configuration, on top of the base one; read once per function
 * instance (cold start). Times are seconds in the environment and milliseconds in code.
 */
export const inventoryConfigSchema = baseConfigSchema.extend({
  /** How long an order's stock stays held before it expires by itself (default 15 minutes; seconds in tests). */
  RESERVATION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(900),
  /** Reservations one run of inventory-expire-reservations handles at most (it runs every minute). */
  RESERVATION_EXPIRY_BATCH: z.coerce.number().int().min(1).max(10_000).default(200),
  /**
   * How long a stock change waits for its variant's document lock. Every hold of one variant
   * queues on that lock: a flash sale of one variant is that many holds in a row, ~5–15 ms each
   * on FerretDB, so the wait is sized for a few hundred of them, not for one.
   */
  STOCK_LOCK_WAIT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
});

export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;

export const inventoryConfig = (): InventoryConfig => loadConfig(inventoryConfigSchema);
