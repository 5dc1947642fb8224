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

/** One limit that current usage does not fit in, as a problem body names it. */
export interface ExceededLimit {
  resource: LimitedResource;
  max: number;
  used: number;
  plan: Plan;
}

/** Every limit of `which` that `usage` exceeds, in LIMITED_RESOURCES order; empty when it all fits. */
export const limitsExceeded = (which: Plan, usage: Readonly<Record<LimitedResource, number>>): ExceededLimit[] =>
  LIMITED_RESOURCES.filter((resource) => !fits(which, resource, usage[resource])).map((resource) => ({
    resource,
    max: limitOf(which, resource) as number,
    used: usage[resource],
    plan: which,
  }));

/**
 * The tenant's token bucket for a plan: a minute's allowance as the burst, refilled at the
 * per-minute rate, so a tenant that spreads its requests never waits and one that bursts
 * spends at most a minute's worth at once.
 */
export const requestRateOf = (which: Plan): { capacity: number; refillPerSecond: number } => {
  const perMinute = PLAN_LIMITS[which].requestsPerMinute;
  return { capacity: perMinute, refillPerSecond: perMinute / 60 };
};
