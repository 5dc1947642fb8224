import type { Product, ProductInput, ProductPatch, Variant, VariantInput } from './schemas';
import { ConflictError, PreconditionFailedError } from '../../layers/errors';

/** Pure product rules: no I/O, the clock and ids passed in. */

const MAX_VARIANTS = 100;

export const buildProduct = (input: ProductInput, meta: { id: string; tenantId: string; now: Date }): Product => {
  const skus = new Set<string>();
  for (const v of input.variants) {
    if (skus.has(v.sku)) throw new ConflictError(`Variant sku ${v.sku} appears twice.`, 'duplicate_sku', { sku: v.sku });
    skus.add(v.sku);
  }
  const at = meta.now.toISOString();
  return { ...input, id: meta.id, tenantId: meta.tenantId, version: 1, createdAt: at, updatedAt: at };
};

export const applyPatch = (current: Product, patch: ProductPatch, now: Date): Product => ({
  ...current,
  ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
  version: current.version + 1,
  updatedAt: now.toISOString(),
});

export const upsertVariant = (current: Product, sku: string, input: VariantInput, now: Date): { product: Product; created: boolean } => {
  const index = current.variants.findIndex((v) => v.sku === sku);
  if (index < 0 && current.variants.length >= MAX_VARIANTS) {
    throw new ConflictError(`A product holds at most ${MAX_VARIANTS} variants.`, 'too_many_variants');
  }
  const next: Variant = { ...input, sku };
  const variants = index < 0 ? [...current.variants, next] : current.variants.map((v, i) => (i === index ? next : v));
  return { product: { ...current, variants, version: current.version + 1, updatedAt: now.toISOString() }, created: index < 0 };
};

export const removeVariant = (current: Product, sku: string, now: Date): Product | undefined => {
  if (!current.variants.some((v) => v.sku === sku)) return undefined;
  return { ...current, variants: current.variants.filter((v) => v.sku !== sku), version: current.version + 1, updatedAt: now.toISOString() };
};

/** Parses `If-Match: "3"` / `W/"3"` to 3. */
export { etagOf, versionFromEtag } from '../../layers/http/versioning';

export const assertVersion = (current: Product, expected: number): void => {
  if (current.version !== expected) {
    throw new PreconditionFailedError(`The product is at version ${current.version}, not ${expected}.`, { currentVersion: current.version });
  }
};

const STOP_WORDS = new Set(['a', 'an', 'and', 'the', 'of', 'for', 'with', 'in', 'on', 'to']);

/** Lower-cased word tokens; FerretDB has no text index, so search matches these with $all. */
export const tokenize = (text: string): string[] =>
  [
    ...new Set(
      text
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .split(/[^a-z0-9]+/),
    ),
  ].filter((t) => t.length > 1 && !STOP_WORDS.has(t));

export const searchTermsOf = (product: Pick<Product, 'name' | 'description' | 'category' | 'tags' | 'variants'>): string[] => [
  ...new Set([
    ...tokenize(product.name),
    ...tokenize(product.description).slice(0, 200),
    ...tokenize(product.category),
    ...product.tags.flatMap(tokenize),
    ...product.variants.flatMap((v) => [...tokenize(v.name), v.sku.toLowerCase()]),
  ]),
];

/** Opaque cursors: base64url of the last id seen. */
export { decodeCursor, encodeCursor, toPage } from '../../layers/http/paging';
