import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  assertVersion,
  buildProduct,
  decodeCursor,
  encodeCursor,
  etagOf,
  removeVariant,
  searchTermsOf,
  toPage,
  tokenize,
  upsertVariant,
  versionFromEtag,
} from '../../../functions/products/rules';
import { productInput } from '../../../functions/products/schemas';

const now = new Date('2026-11-25T10:00:00.000Z');
const input = productInput.parse({
  storeId: 'store-1',
  name: 'Blue Cotton Shirt',
  description: 'A shirt for the summer',
  category: 'apparel',
  tags: ['summer'],
  price: { amount: 2599, currency: 'EUR' },
  variants: [{ sku: 'SHIRT-M', name: 'Medium' }],
});
const base = buildProduct(input, { id: '0190a0a0-0000-7000-8000-000000000001', tenantId: 't1', now });

describe('buildProduct', () => {
  it('starts at version 1 with both timestamps set', () => {
    expect(base).toMatchObject({ version: 1, tenantId: 't1', createdAt: now.toISOString(), updatedAt: now.toISOString(), status: 'draft' });
    expect(base.variants[0]).toEqual({ sku: 'SHIRT-M', name: 'Medium', attributes: {} });
  });

  it('refuses the same sku twice', () => {
    const twice = { ...input, variants: [...input.variants, ...input.variants] };
    expect(() => buildProduct(twice, { id: 'x', tenantId: 't1', now })).toThrowError(expect.objectContaining({ status: 409, code: 'duplicate_sku' }));
  });
});

describe('applyPatch', () => {
  it('changes only given fields and bumps the version', () => {
    const later = new Date('2026-11-25T11:00:00.000Z');
    const next = applyPatch(base, { name: 'Red Shirt', description: undefined }, later);
    expect(next).toEqual({ ...base, name: 'Red Shirt', version: 2, updatedAt: later.toISOString() });
  });
});

describe('variants', () => {
  it('adds a new variant and replaces an existing one', () => {
    const added = upsertVariant(base, 'SHIRT-L', { name: 'Large', attributes: { size: 'L' } }, now);
    expect(added.created).toBe(true);
    expect(added.product.variants.map((v) => v.sku)).toEqual(['SHIRT-M', 'SHIRT-L']);
    expect(added.product.version).toBe(2);
    const replaced = upsertVariant(added.product, 'SHIRT-M', { name: 'Medium fit', attributes: {} }, now);
    expect(replaced.created).toBe(false);
    expect(replaced.product.variants[0]!.name).toBe('Medium fit');
    expect(replaced.product.variants).toHaveLength(2);
  });

  it('caps the number of variants', () => {
    const full = { ...base, variants: Array.from({ length: 100 }, (_, i) => ({ sku: `S${i}`, name: `v${i}`, attributes: {} })) };
    expect(() => upsertVariant(full, 'NEW', { name: 'new', attributes: {} }, now)).toThrowError(expect.objectContaining({ code: 'too_many_variants' }));
    expect(upsertVariant(full, 'S1', { name: 'still fine', attributes: {} }, now).created).toBe(false);
  });

  it('removes a variant, or says there was none', () => {
    expect(removeVariant(base, 'SHIRT-M', now)?.variants).toEqual([]);
    expect(removeVariant(base, 'NOPE', now)).toBeUndefined();
  });
});

describe('versions and etags', () => {
  it('round-trips strong and weak etags', () => {
    expect(versionFromEtag(etagOf(7))).toBe(7);
    expect(versionFromEtag('W/"12"')).toBe(12);
  });

  it('rejects a stale version with the current one', () => {
    expect(() => assertVersion(base, 2)).toThrowError(expect.objectContaining({ status: 412, extras: { currentVersion: 1 } }));
    expect(() => assertVersion(base, 1)).not.toThrow();
  });
});

describe('search terms', () => {
  it('tokenizes without accents, stop words or one-letter words', () => {
    expect(tokenize('The Crème-Brûlée of a Kind!')).toEqual(['creme', 'brulee', 'kind']);
  });

  it('covers name, description, category, tags and variants', () => {
    expect(searchTermsOf(base)).toEqual(expect.arrayContaining(['blue', 'cotton', 'shirt', 'summer', 'apparel', 'medium', 'shirt-m']));
  });
});

describe('pages', () => {
  it('cuts a limit+1 fetch and points the cursor at the last item shown', () => {
    const items = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const page = toPage(items, 2);
    expect(page.items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(decodeCursor(page.nextCursor!)).toBe('b');
    expect(toPage(items, 3)).toEqual({ items, nextCursor: null });
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor(encodeCursor('0190-x'))).toBe('0190-x');
  });
});
