import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { decodeCursor, toPage } from '../../layers/http/paging';
import { storeRepository, type StoreRepository } from './repository';
import { forViewer, toStore } from './rules';
import { page, pageQuery, store, type Store } from './schemas';

const listQuery = z.object({ ...pageQuery }).strict();

type ListQuery = z.infer<typeof listQuery>;

/** One page of the tenant's stores in id (creation) order; the cursor is opaque. */
export const makeListStores =
  (deps: { stores: Pick<StoreRepository, 'list'> }) =>
  async (tenantId: string, query: ListQuery): Promise<{ items: Store[]; nextCursor: string | null }> => {
    const fetched = await deps.stores.list(tenantId, { after: decodeCursor(query.cursor), limit: query.limit + 1 });
    return toPage(fetched.map(toStore), query.limit);
  };

export default defineHttp(
  {
    name: 'stores-list',
    method: 'GET',
    summary: "List the tenant's stores (cursor-paginated)",
    tags: ['stores'],
    auth: 'customer',
    request: { query: listQuery },
    response: { status: 200, schema: page(store), description: 'A page of stores' },
  },
  async ({ query, tenantId, actor }) => {
    const listed = await makeListStores({ stores: await storeRepository() })(tenantId, query);
    return { body: { ...listed, items: listed.items.map((item) => forViewer(item, actor)) } };
  },
);
