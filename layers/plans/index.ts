import { z } from 'zod';

/**
 * The plans a tenant can be on and what each allows. Every operation that creates a counted
 * thing (a store, a product, a staff seat) checks its plan's limit at its edge; the request
 * rate limit of a tenant is its plan's `requestsPerMinute`. `null` means unlimited.
 */
export const PLANS = ['FREE', 'PRO', 'ENTERPRISE'] as const;
export const plan = z.enum(PLANS);
export type Plan = z.infer<typeof plan>;

export const LIMITED_RESOURCES = ['stores', 'products', 'staffSeats'] as const;
export type LimitedResource = (typeof LIMITED_RESOURCES)[number];

export interface PlanLimits {
  stores: number | null;
  products: number | null;
  staffSeats: number | null;
  requestsPerMinute: number;
}

export const PLAN_LIMITS: Readonly<Record<Plan, Readonly<PlanLimits>>> = Object.freeze({
  FREE: Object.freeze({ stores: 1, products: 100, staffSeats: 2, requestsPerMinute: 600 }),
  PRO: Object.freeze({ stores: 5, products: 10_000, staffSeats: 25, requestsPerMinute: 6_000 }),
  ENTERPRISE: Object.freeze({ stores: null, products: null, staffSeats: null, requestsPerMinute: 60_000 }),
});

/** The plan's limit for a resource; `null` when unlimited. */
export const limitOf = (which: Plan, resource: LimitedResource): number | null => PLAN_LIMITS[which][resource];

/** Whether `used` of a resource fits in a plan (for a downgrade: does what exists fit the new plan). */
export const fits = (which: Plan, resource: LimitedResource, used: number): boolean => {
  const limit = limitOf(which, resource);
  return limit === null || used <= limit;
};
