import type { Actor } from '../../layers/auth/types';
import { defineHttp } from '../../layers/http/define';
import { etagOf, optionalIfMatchHeaders, versionFromEtag } from '../../layers/http/versioning';
import { orderDeps, type OrderDeps } from './deps';
import { assertVersion, toApi, visibleTo } from './rules';
import { order, orderIdParams, type Order } from './schemas';
import { makeTransitionOrder } from './transition';

// Schemas: `orderIdParams` and an optional `If-Match` in, `order` out (./schemas).

/** The seller shipped a confirmed order: confirmed → fulfilled, with its `fulfilled` event; any other state is a 409. */
export const makeFulfilOrder =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  async (actor: Pick<Actor, 'tenantId' | 'userId' | 'roles'>, id: string, expectedVersion?: number): Promise<Order> => {
    const result = await makeTransitionOrder(deps)(
      actor.tenantId,
      id,
      (current) => {
        assertVersion(visibleTo(actor, id, current), expectedVersion);
        return { action: 'fulfil' };
      },
      { source: 'orders-fulfil' },
    );
    return result.order;
  };

export default defineHttp(
  {
    name: 'orders-fulfil',
    method: 'POST',
    path: '/{id}',
    summary: 'Mark a confirmed order shipped (staff); If-Match optional',
    tags: ['orders'],
    auth: 'staff',
    request: { params: orderIdParams, headers: optionalIfMatchHeaders },
    response: { status: 200, schema: order, description: 'The fulfilled order' },
    errors: [404, 409, 412],
  },
  async ({ params, headers, actor }) => {
    const ifMatch = headers['if-match'];
    const fulfilled = await makeFulfilOrder(await orderDeps())(actor, params.id, ifMatch ? versionFromEtag(ifMatch) : undefined);
    return { body: toApi(fulfilled), headers: { etag: etagOf(fulfilled.version) } };
  },
);
