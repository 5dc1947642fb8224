import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { etagOf } from '../../layers/http/versioning';
import { storeRepository, type StoreRepository } from './repository';
import { forViewer, toStore } from './rules';
import { idParams, store, type Store } from './schemas';

// Schemas: `idParams` in, `store` out (./schemas).

/** One of the tenant's stores; another tenant's id is simply not found. */
export const makeGetStore =
  (deps: { stores: Pick<StoreRepository, 'get'> }) =>
  async (tenantId: string, id: string): Promise<Store> => {
    const found = await deps.stores.get(tenantId, id);
    if (!found) throw new NotFoundError('store', id);
    return toStore(found);
  };

export default defineHttp(
  {
    name: 'stores-get',
    method: 'GET',
    path: '/{id}',
    summary: 'Get a store',
    tags: ['stores'],
    auth: 'customer',
    request: { params: idParams },
    response: { status: 200, schema: store, description: 'The store, with its ETag' },
    errors: [404],
  },
  async ({ params, tenantId, actor }) => {
    const found = forViewer(await makeGetStore({ stores: await storeRepository() })(tenantId, params.id), actor);
    return { body: found, headers: { etag: etagOf(found.version), 'cache-control': 'private, max-age=0, must-revalidate' } };
  },
);
