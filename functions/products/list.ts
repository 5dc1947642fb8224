import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import type { ProductStore } from './repository';
import { productStore } from './repository';
import { decodeCursor, toPage } from './rules';
import { page, pageQuery, product, productStatus, type Product } from './schemas';

const listQuery = z
  .object({
    storeId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    status: productStatus.optional(),
    category: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
    ...pageQuery,
  })
  .strict();

type ListQuery = z.infer<typeof listQuery>;

/** One page of a tenant's products in id (creation) order; the cursor is opaque. */
export const makeListProducts =
  (deps: { store: ProductStore }) =>
  async (tenantId: string, query: ListQuery): Promise<{ items: Product[]; nextCursor: string | null }> => {
    const { limit, cursor, ...filter } = query;
    return toPage(await deps.store.list(tenantId, filter, { after: decodeCursor(cursor), limit: limit + 1 }), limit);
  };

export default defineHttp(
  {
    name: 'products-list',
    method: 'GET',
    summary: 'List products (cursor-paginated)',
    tags: ['products'],
    auth: 'customer',
    request: { query: listQuery },
    response: { status: 200, schema: page(product), description: 'A page of products' },
  },
  async ({ query, tenantId }) => ({ body: await makeListProducts({ store: await productStore() })(tenantId, query) }),
);
