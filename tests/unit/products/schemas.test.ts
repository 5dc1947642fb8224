import { describe, expect, it } from 'vitest';
import { productInput, productPatch } from '../../../functions/products/schemas';

describe('product schemas', () => {
  it('fills defaults on create', () => {
    expect(productInput.parse({ storeId: 'main', name: 'Shirt', price: { amount: 100, currency: 'EUR' } })).toMatchObject({
      description: '',
      category: 'uncategorised',
      tags: [],
      status: 'draft',
      variants: [],
    });
  });

  it('keeps a patch to the fields it names, so an update never resets the others to their defaults', () => {
    expect(productPatch.parse({ price: { amount: 100, currency: 'EUR' } })).toEqual({ price: { amount: 100, currency: 'EUR' } });
    expect(productPatch.parse({})).toEqual({});
  });

  it('refuses what a patch may not change', () => {
    expect(productPatch.safeParse({ storeId: 'other' }).success).toBe(false);
    expect(productPatch.safeParse({ variants: [] }).success).toBe(false);
  });
});
