import { z } from 'zod';

/** API shapes shared by several products operations. Money is integer minor units. */
export const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, upper case');
export const money = z.object({ amount: z.number().int().min(0).max(100_000_000_00), currency }).strict();

export const productId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a product id (UUIDv7)');
export const sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ or -, up to 64');
const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9 _-]{0,39}$/, 'an attribute name');
const text = (max: number) => z.string().trim().min(1).max(max);

export const productStatus = z.enum(['draft', 'active', 'archived']);

export const variantInput = z
  .object({
    name: text(120),
    price: money.optional(),
    attributes: z
      .record(attributeName, z.string().max(120))
      .refine((a) => Object.keys(a).length <= 20, 'at most 20 attributes')
      .default({}),
  })
  .strict();

export const variant = variantInput.extend({ sku });

/** A product's editable fields, without defaults: a PATCH leaves what it does not name as it is. */
const productFields = {
  name: text(200),
  description: z.string().max(5_000),
  category: z.string().regex(/^[a-z0-9-]{1,64}$/, 'lower-case slug'),
  tags: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(20),
  status: productStatus,
  price: money,
};

export const productInput = z
  .object({
    storeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a store id'),
    ...productFields,
    description: productFields.description.default(''),
    category: productFields.category.default('uncategorised'),
    tags: productFields.tags.default([]),
    status: productFields.status.default('draft'),
    variants: z.array(variant).max(100).default([]),
  })
  .strict();

export const productPatch = z.object(productFields).partial().strict();

export const product = z.object({
  id: productId,
  tenantId: z.string(),
  storeId: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  status: productStatus,
  price: money,
  variants: z.array(variant),
  version: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ratingSummary = z.object({ sum: z.number(), count: z.number().int(), average: z.number().nullable() });
export const stockLevel = z.object({ available: z.number().int(), reserved: z.number().int() });

/** The read model: the product plus what other services tell us about it. */
export const productView = product.extend({
  rating: ratingSummary,
  stock: z.record(z.string(), stockLevel),
  inStock: z.boolean().nullable(),
});

export const idParams = z.object({ id: productId }).strict();
export const variantParams = z.object({ id: productId, sku }).strict();

/** `If-Match: "3"` (or W/"3"): the version the client last saw. */
export { ifMatchHeaders } from '../../layers/http/versioning';

export { page, pageQuery } from '../../layers/http/paging';

export type ProductInput = z.infer<typeof productInput>;
export type ProductPatch = z.infer<typeof productPatch>;
export type Product = z.infer<typeof product>;
export type ProductView = z.infer<typeof productView>;
export type Variant = z.infer<typeof variant>;
export type VariantInput = z.infer<typeof variantInput>;
