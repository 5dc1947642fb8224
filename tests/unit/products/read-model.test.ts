import { describe, expect, it } from 'vitest';
import { applyDeletion, applyProductSnapshot, applyRating, applyStock, toView, type StoredView } from '../../../functions/products/read-model';
import type { Product } from '../../../functions/products/schemas';

const product = (version: number, name = `v${version}`): Product => ({
  id: '0190a0a0-0000-7000-8000-000000000001',
  tenantId: 't1',
  storeId: 's1',
  name,
  description: '',
  category: 'c',
  tags: [],
  status: 'active',
  price: { amount: 100, currency: 'USD' },
  variants: [],
  version,
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
});

const empty: StoredView = { stock: {}, rev: 0 };
const apply = (view: StoredView, ...changes: ((v: StoredView) => StoredView | undefined)[]) => changes.reduce((v, change) => change(v) ?? v, view);

describe('product snapshots', () => {
  it('applies newer versions and ignores stale or repeated ones', () => {
    const v2 = apply(empty, applyProductSnapshot(product(2)));
    expect(v2.product?.version).toBe(2);
    expect(applyProductSnapshot(product(2))(v2)).toBeUndefined();
    expect(applyProductSnapshot(product(1))(v2)).toBeUndefined();
    expect(apply(v2, applyProductSnapshot(product(3))).rev).toBe(2);
  });

  it('converges whatever order the events arrive in', () => {
    const forward = apply(empty, applyProductSnapshot(product(1)), applyProductSnapshot(product(2)), applyProductSnapshot(product(3)));
    const backward = apply(empty, applyProductSnapshot(product(3)), applyProductSnapshot(product(2)), applyProductSnapshot(product(1)));
    expect(toView(backward)).toEqual(toView(forward));
  });
});

describe('deletion', () => {
  it('leaves a tombstone that older snapshots cannot revive', () => {
    const deleted = apply(empty, applyProductSnapshot(product(1)), applyDeletion(2));
    expect(toView(deleted)).toBeUndefined();
    expect(applyProductSnapshot(product(1))(deleted)).toBeUndefined();
    expect(applyDeletion(2)(deleted)).toBeUndefined();
    expect(deleted.product).toBeUndefined();
  });

  it('does not delete a product already past the deleted version', () => {
    expect(applyDeletion(2)(apply(empty, applyProductSnapshot(product(3))))).toBeUndefined();
  });
});

describe('rating and stock', () => {
  it('keeps the newest rating and computes the average', () => {
    const view = apply(
      empty,
      applyProductSnapshot(product(1)),
      applyRating({ ratingSum: 9, ratingCount: 2, version: 2 }),
      applyRating({ ratingSum: 4, ratingCount: 1, version: 1 }),
    );
    expect(toView(view)?.rating).toEqual({ sum: 9, count: 2, average: 4.5 });
  });

  it('tracks stock per sku and says whether anything is in stock', () => {
    let view = apply(empty, applyProductSnapshot(product(1)));
    expect(toView(view)?.inStock).toBeNull();
    view = apply(view, applyStock({ sku: 'A', available: 0, reserved: 1, version: 1 }));
    expect(toView(view)?.inStock).toBe(false);
    view = apply(view, applyStock({ sku: 'B', available: 3, reserved: 0, version: 1 }), applyStock({ sku: 'B', available: 9, reserved: 0, version: 1 }));
    expect(toView(view)?.stock).toEqual({ A: { available: 0, reserved: 1 }, B: { available: 3, reserved: 0 } });
    expect(toView(view)?.inStock).toBe(true);
    expect(view.rev).toBe(3);
  });

  it('has no view before the product itself is known', () => {
    expect(toView(apply(empty, applyRating({ ratingSum: 5, ratingCount: 1, version: 1 })))).toBeUndefined();
    expect(toView(apply(empty, applyProductSnapshot(product(1))))?.rating).toEqual({ sum: 0, count: 0, average: null });
  });
});
