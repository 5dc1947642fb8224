import { z } from 'zod';
import { plan } from '../../layers/plans';

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

/* API shapes of the tenant operations (added with them; the contracts above are unchanged). */

export const TENANT_STATUSES = ['active', 'failed'] as const;
export const tenantStatus = z.enum(TENANT_STATUSES);
export type TenantStatus = z.infer<typeof tenantStatus>;

export const tenantName = z.string().trim().min(1).max(120);

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const settingFields = {
  defaultCurrency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, upper case'),
  locale: z
    .string()
    .max(35)
    .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as en-GB'),
  timezone: z.string().max(64).refine(isTimeZone, 'an IANA time zone such as Europe/London'),
  supportEmail: z.string().email().max(254),
};

/** What a tenant's admins may set about their tenant; every field optional. */
export const tenantSettings = z
  .object({
    defaultCurrency: settingFields.defaultCurrency.optional(),
    locale: settingFields.locale.optional(),
    timezone: settingFields.timezone.optional(),
    supportEmail: settingFields.supportEmail.optional(),
  })
  .strict();
export type TenantSettings = z.infer<typeof tenantSettings>;

/** A change of settings: a field given replaces the stored one, a field set to null removes it. */
export const tenantSettingsPatch = z
  .object({
    defaultCurrency: settingFields.defaultCurrency.nullable().optional(),
    locale: settingFields.locale.nullable().optional(),
    timezone: settingFields.timezone.nullable().optional(),
    supportEmail: settingFields.supportEmail.nullable().optional(),
  })
  .strict();
export type TenantSettingsPatch = z.infer<typeof tenantSettingsPatch>;

export const tenantPatch = z
  .object({ name: tenantName.optional(), settings: tenantSettingsPatch.optional() })
  .strict()
  .refine((patch) => patch.name !== undefined || patch.settings !== undefined, 'name or settings is required');
export type TenantPatch = z.infer<typeof tenantPatch>;

export const tenant = z.object({
  id: z.string(),
  name: z.string(),
  slug: tenantSlug,
  type: tenantType,
  plan: plan,
  status: tenantStatus,
  ownerUserId: z.string(),
  settings: tenantSettings,
  version: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Tenant = z.infer<typeof tenant>;

/** `If-Match: "3"` (or W/"3"): the version the client last saw. */
export { ifMatchHeaders, optionalIfMatchHeaders } from '../../layers/http/versioning';

export const planChangeInput = z.object({ plan }).strict();
