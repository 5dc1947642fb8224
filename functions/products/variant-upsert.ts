import { defineHttp } from '../../layers/http/define';
import { variantUpserted } from './events';
import { productDeps, type ProductDeps } from './deps';
import { mutateProduct } from './mutate';
import { etagOf, upsertVariant, versionFromEtag } from './rules';
import { ifMatchHeaders, product, variantInput, variantParams, type Product, type VariantInput } from './schemas';

// Schemas: `variantParams`, `If-Match`, `variantInput` in; `product` out (./schemas).

/** Creates or replaces the variant `sku` of a product. */
export const makeUpsertVariant =
  (deps: ProductDeps) =>
  (target: { tenantId: string; id: string; sku: string; expectedVersion: number }, input: VariantInput): Promise<Product> =>
    mutateProduct(deps, target, (current, now) => {
      const { product: next } = upsertVariant(current, target.sku, input, now);
      const event = variantUpserted.create({
        subject: target.id,
        tenantId: target.tenantId,
        data: { sku: target.sku, product: next },
        source: 'products-variant-upsert',
      });
      return { next, event };
    });

export default defineHttp(
  {
    name: 'products-variant-upsert',
    method: 'PUT',
    path: '/{id}/variants/{sku}',
    summary: 'Create or replace a variant (If-Match required)',
    tags: ['products'],
    auth: 'staff',
    request: { params: variantParams, headers: ifMatchHeaders, body: variantInput },
    response: { status: 200, schema: product, description: 'The product with the variant' },
    errors: [404, 409, 412],
  },
  async ({ params, headers, body, tenantId }) => {
    const next = await makeUpsertVariant(await productDeps())(
      { tenantId, id: params.id, sku: params.sku, expectedVersion: versionFromEtag(headers['if-match']) },
      body,
    );
    return { body: next, headers: { etag: etagOf(next.version) } };
  },
);
