import { z } from 'zod';
import { hostnameProblem, httpsUrlProblem } from './rules';

/** API shapes shared by several stores operations. */
export { page, pageQuery } from '../../layers/http/paging';
export { ifMatchHeaders } from '../../layers/http/versioning';

export const storeId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a store id (UUIDv7)');

/** Fonts the storefront ships (self-hosted), so a theme can never load a font from elsewhere. */
export const FONTS = ['Inter', 'Roboto', 'Open Sans', 'Lato', 'Montserrat', 'Merriweather', 'Playfair Display', 'Source Serif 4', 'system-ui'] as const;
export const LAYOUTS = ['classic', 'grid', 'minimal', 'showcase'] as const;

/** `#rgb` or `#rrggbb`, any case, in; stored and answered as lower-case `#rrggbb`. */
const hexColorInput = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'a hex colour such as #1a2b3c');
const hexColor = z.string().regex(/^#[0-9a-f]{6}$/);

const logoUrl = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const problem = httpsUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const colorsOf = <C extends z.ZodType>(color: C) => z.object({ primary: color, secondary: color, background: color, text: color }).strict();

export const theme = z
  .object({
    colors: colorsOf(hexColor),
    font: z.enum(FONTS),
    logoUrl: z.string().nullable(),
    layout: z.enum(LAYOUTS),
  })
  .strict();

/** A theme in a request: any part may be left out, and what is given is merged over the current (or default) theme. */
export const themeInput = z
  .object({
    colors: colorsOf(hexColorInput).partial().strict().optional(),
    font: z.enum(FONTS).optional(),
    logoUrl: logoUrl.nullable().optional(),
    layout: z.enum(LAYOUTS).optional(),
  })
  .strict();

const name = z.string().trim().min(1).max(120);

/** A store's handle in storefront URLs; unique within its tenant, set once at creation. */
export const storeSlug = z
  .string()
  .min(2)
  .max(48)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and single dashes');

export const storeInput = z
  .object({
    name,
    slug: storeSlug.optional(),
    theme: themeInput.default({}),
  })
  .strict();

export const storePatch = z
  .object({ name: name.optional(), theme: themeInput.optional() })
  .strict()
  .refine((patch) => patch.name !== undefined || patch.theme !== undefined, 'name or theme is required');

/** A custom domain in a request; normalised (lower case, no trailing dot, punycode) by the core. `null` detaches it. */
export const domainBody = z
  .object({
    domain: z
      .string()
      .max(300)
      .superRefine((value, ctx) => {
        const problem = hostnameProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .nullable(),
  })
  .strict();

export const domainChallenge = z.object({
  type: z.literal('TXT'),
  /** The record's owner name: `_marketplace-challenge.<domain>`. */
  name: z.string(),
  /** The record's value: `mp-verify=<token>`. */
  value: z.string(),
});

export const store = z.object({
  id: storeId,
  tenantId: z.string(),
  name: z.string(),
  slug: z.string().nullable(),
  theme,
  domain: z.string().nullable(),
  domainVerified: z.boolean(),
  domainVerifiedAt: z.string().nullable(),
  /** The DNS record to publish while the domain is unverified (shown to admins and above); null otherwise. */
  domainChallenge: domainChallenge.nullable(),
  version: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const idParams = z.object({ id: storeId }).strict();

export type Theme = z.infer<typeof theme>;
export type ThemeInput = z.infer<typeof themeInput>;
export type StoreInput = z.infer<typeof storeInput>;
export type StorePatch = z.infer<typeof storePatch>;
export type Store = z.infer<typeof store>;
