import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { metrics } from '../../layers/metrics';
import { productStore, type ProductStore } from './repository';
import { toView, viewStore, type ViewStore } from './read-model';
import { etagOf } from './rules';
import { idParams, productView, type ProductView } from './schemas';

// Schemas: `idParams` in, `productView` out (./schemas).

/**
 * Serves the read model from Redis. On a miss (a view not yet projected, or a flushed
 * cache) it falls back to the write model and seeds the view with the product alone.
 */
export const makeGetProduct =
  (deps: { store: Pick<ProductStore, 'get'>; views: ViewStore }) =>
  async (tenantId: string, id: string): Promise<ProductView> => {
    const stored = await deps.views.read(tenantId, id);
    const view = stored && toView(stored);
    if (view) {
      metrics.readModelLookups.inc({ model: 'product', result: 'hit' });
      return view;
    }
    if (stored?.deletedVersion !== undefined) throw new NotFoundError('product', id);
    metrics.readModelLookups.inc({ model: 'product', result: 'miss' });
    const product = await deps.store.get(tenantId, id);
    if (!product) throw new NotFoundError('product', id);
    await deps.views.update(tenantId, id, (current) => (current.product ? undefined : { ...current, product, rev: current.rev + 1 }));
    // What other services already projected (stock, rating) stays in the answer, not just the product.
    return toView({ ...(stored ?? { stock: {}, rev: 0 }), product })!;
  };

/** The write model, opened on the first miss: a view served from Redis needs no Mongo. */
const writeModel: Pick<ProductStore, 'get'> = { get: async (tenantId, id) => (await productStore()).get(tenantId, id) };

export default defineHttp(
  {
    name: 'products-get',
    method: 'GET',
    path: '/{id}',
    summary: 'Get a product with its rating and stock (read model)',
    tags: ['products'],
    auth: 'customer',
    request: { params: idParams },
    response: { status: 200, schema: productView, description: 'The product view' },
    errors: [404],
  },
  async ({ params, tenantId }) => {
    const view = await makeGetProduct({ store: writeModel, views: await viewStore() })(tenantId, params.id);
    return { body: view, headers: { etag: etagOf(view.version), 'cache-control': 'private, max-age=0, must-revalidate' } };
  },
);
