import { defineHttp } from '../../layers/http/define';
import { productUpdated } from './events';
import { productDeps, type ProductDeps } from './deps';
import { mutateProduct } from './mutate';
import { applyPatch, etagOf, versionFromEtag } from './rules';
import { idParams, ifMatchHeaders, product, productPatch, type Product, type ProductPatch } from './schemas';

// Schemas: `productPatch` body, `idParams`, `If-Match` header in; `product` out (./schemas).

/** Applies a partial update to the version the client last read (optimistic concurrency). */
export const makeUpdateProduct =
  (deps: ProductDeps) =>
  (tenantId: string, id: string, expectedVersion: number, patch: ProductPatch): Promise<Product> =>
    mutateProduct(deps, { tenantId, id, expectedVersion }, (current, now) => {
      const next = applyPatch(current, patch, now);
      return { next, event: productUpdated.create({ subject: id, tenantId, data: next, source: 'products-update' }) };
    });

export default defineHttp(
  {
    name: 'products-update',
    method: 'PATCH',
    path: '/{id}',
    summary: 'Update a product (If-Match required)',
    tags: ['products'],
    auth: 'staff',
    request: { params: idParams, headers: ifMatchHeaders, body: productPatch },
    response: { status: 200, schema: product, description: 'The updated product' },
    errors: [404, 412],
  },
  async ({ params, headers, body, tenantId }) => {
    const updated = await makeUpdateProduct(await productDeps())(tenantId, params.id, versionFromEtag(headers['if-match']), body);
    return { body: updated, headers: { etag: etagOf(updated.version) } };
  },
);
