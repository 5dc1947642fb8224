import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { variantDeleted } from './events';
import { productDeps, type ProductDeps } from './deps';
import { mutateProduct } from './mutate';
import { etagOf, removeVariant, versionFromEtag } from './rules';
import { ifMatchHeaders, product, variantParams, type Product } from './schemas';

// Schemas: `variantParams` and `If-Match` in; `product` out (./schemas).

/** Removes the variant `sku`; a missing variant is a 404. */
export const makeDeleteVariant =
  (deps: ProductDeps) =>
  (target: { tenantId: string; id: string; sku: string; expectedVersion: number }): Promise<Product> =>
    mutateProduct(deps, target, (current, now) => {
      const next = removeVariant(current, target.sku, now);
      if (!next) throw new NotFoundError('variant', target.sku);
      const event = variantDeleted.create({
        subject: target.id,
        tenantId: target.tenantId,
        data: { sku: target.sku, product: next },
        source: 'products-variant-delete',
      });
      return { next, event };
    });

export default defineHttp(
  {
    name: 'products-variant-delete',
    method: 'DELETE',
    path: '/{id}/variants/{sku}',
    summary: 'Remove a variant (If-Match required)',
    tags: ['products'],
    auth: 'staff',
    request: { params: variantParams, headers: ifMatchHeaders },
    response: { status: 200, schema: product, description: 'The product without the variant' },
    errors: [404, 412],
  },
  async ({ params, headers, tenantId }) => {
    const next = await makeDeleteVariant(await productDeps())({
      tenantId,
      id: params.id,
      sku: params.sku,
      expectedVersion: versionFromEtag(headers['if-match']),
    });
    return { body: next, headers: { etag: etagOf(next.version) } };
  },
);
