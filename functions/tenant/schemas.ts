import { z } from 'zod';

/** The kinds of tenant the seed names; a tenant's type never changes after provisioning. */
export const TENANT_TYPES = ['SELLER_INDIVIDUAL', 'SELLER_BUSINESS', 'MARKETPLACE', 'FRANCHISE'] as const;
export const tenantType = z.enum(TENANT_TYPES);
export type TenantType = z.infer<typeof tenantType>;

export { plan, PLANS, type Plan } from '../../layers/plans';

/** A tenant's public handle: lower-case letters, digits and single dashes; unique platform-wide. */
export const tenantSlug = z
  .string()
  .min(3)
  .max(48)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and single dashes');
