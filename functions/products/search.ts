import { z } from 'zod';
import { BadRequestError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import type { ProductStore } from './repository';
import { productStore } from './repository';
import { decodeCursor, toPage, tokenize } from './rules';
import { page, pageQuery, product, type Product } from './schemas';

const searchQuery = z
  .object({
    q: z.string().trim().max(200).default(''),
    category: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .optional(),
    minPrice: z.coerce.number().int().min(0).optional(),
    maxPrice: z.coerce.number().int().min(0).optional(),
    ...pageQuery,
  })
  .strict();

type SearchQuery = z.infer<typeof searchQuery>;

/** Active products matching every word of `q`, within a price range and category. */
export const makeSearchProducts =
  (deps: { store: ProductStore }) =>
  async (tenantId: string, query: SearchQuery): Promise<{ items: Product[]; nextCursor: string | null }> => {
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new BadRequestError('minPrice must not exceed maxPrice.', 'invalid_price_range');
    }
    const terms = tokenize(query.q).slice(0, 10);
    const fetched = await deps.store.search(
      tenantId,
      { terms, category: query.category, minPrice: query.minPrice, maxPrice: query.maxPrice },
      { after: decodeCursor(query.cursor), limit: query.limit + 1 },
    );
    return toPage(fetched, query.limit);
  };

export default defineHttp(
  {
    name: 'products-search',
    method: 'GET',
    summary: 'Search active products by words, category and price',
    tags: ['products'],
    auth: 'customer',
    request: { query: searchQuery },
    response: { status: 200, schema: page(product), description: 'A page of matching products' },
  },
  async ({ query, tenantId }) => ({ body: await makeSearchProducts({ store: await productStore() })(tenantId, query) }),
);
