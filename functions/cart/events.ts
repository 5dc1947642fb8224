import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';

/** The cart service's events, in the outbox of the coupon document (`cart` database, `coupons`). */
export const couponCreated = defineEvent({
  type: 'cart.coupon.created.v1',
  schema: z.object({
    code: z.string().min(1),
    kind: z.enum(['percentage', 'fixed']),
    value: z.number().int().positive(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .nullable(),
    minimumSpend: z.number().int().min(0),
    validFrom: z.string(),
    validUntil: z.string(),
    usageLimit: z.number().int().positive().nullable(),
    perCustomerLimit: z.number().int().positive().nullable(),
  }),
  aggregate: { service: 'cart', collection: 'coupons' },
  description: 'A seller created a coupon.',
});

export const cartEvents = [couponCreated];
