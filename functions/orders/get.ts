import type { Actor } from '../../layers/auth/types';
import { defineHttp } from '../../layers/http/define';
import { etagOf } from '../../layers/http/versioning';
import { orderStore, type OrderStore } from './repository';
import { toApi, visibleTo } from './rules';
import { order, orderIdParams, type Order } from './schemas';

// Schemas: `orderIdParams` in, `order` out (./schemas).

/**
 * One order, from the write model: one lookup by id, and the state a buyer just caused (a
 * cancel, a payment) shows at once, where the read model follows a moment later. Its buyer or
 * the seller's staff only; anyone else gets a 404.
 */
export const makeGetOrder =
  (deps: { store: Pick<OrderStore, 'get'> }) =>
  async (actor: Pick<Actor, 'tenantId' | 'userId' | 'roles'>, id: string): Promise<Order> =>
    visibleTo(actor, id, await deps.store.get(actor.tenantId, id));

export default defineHttp(
  {
    name: 'orders-get',
    method: 'GET',
    path: '/{id}',
    summary: 'Get an order (its buyer, or staff)',
    tags: ['orders'],
    auth: 'customer',
    request: { params: orderIdParams },
    response: { status: 200, schema: order, description: 'The order' },
    errors: [404],
  },
  async ({ params, actor }) => {
    const found = await makeGetOrder({ store: await orderStore() })(actor, params.id);
    return { body: toApi(found), headers: { etag: etagOf(found.version), 'cache-control': 'private, no-store' } };
  },
);
