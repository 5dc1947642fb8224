import { defineHttp } from '../../layers/http/define';
import { productCreated } from './events';
import { productDeps, type ProductDeps } from './deps';
import { buildProduct, etagOf } from './rules';
import { product, productInput, type Product, type ProductInput } from './schemas';

// Schemas: `productInput` in, `product` out (./schemas).

/**
 * Creates a product and its `created` event in one document write, within the tenant's plan:
 * one product of its allowance is reserved first (403 `plan_limit_exceeded` past the limit,
 * nothing written) and given back if the write fails.
 */
export const makeCreateProduct =
  (deps: ProductDeps) =>
  async (input: ProductInput, actor: { tenantId: string; userId: string }): Promise<Product> => {
    const created = buildProduct(input, { id: deps.newId(), tenantId: actor.tenantId, now: deps.now() });
    const event = productCreated.create({
      subject: created.id,
      tenantId: actor.tenantId,
      data: created,
      source: 'products-create',
    });
    await deps.quota.reserve(actor.tenantId);
    try {
      await deps.store.insert(created, [event]);
    } catch (error) {
      await deps.quota.release(actor.tenantId);
      throw error;
    }
    deps.nudge(created.id);
    return created;
  };

export default defineHttp(
  {
    name: 'products-create',
    method: 'POST',
    summary: 'Create a product',
    tags: ['products'],
    auth: 'staff',
    idempotent: true,
    request: { body: productInput },
    response: { status: 201, schema: product, description: 'The created product' },
    errors: [403, 409, 422],
  },
  async ({ body, actor }) => {
    const created = await makeCreateProduct(await productDeps())(body, actor);
    return { body: created, headers: { etag: etagOf(created.version), location: `/function/products-get/${created.id}` } };
  },
);
