import type { Actor } from '../../layers/auth/types';
import { defineHttp } from '../../layers/http/define';
import { etagOf, optionalIfMatchHeaders, versionFromEtag } from '../../layers/http/versioning';
import { orderDeps, type OrderDeps } from './deps';
import { assertVersion, toApi, visibleTo } from './rules';
import { order, orderIdParams, type Order } from './schemas';
import { makeTransitionOrder } from './transition';

// Schemas: `orderIdParams` and an optional `If-Match` in, `order` out (./schemas).

/** The order reached its buyer: fulfilled → delivered, with its `delivered` event (its products may now be reviewed by that buyer); any other state is a 409. */
export const makeDeliverOrder =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  async (actor: Pick<Actor, 'tenantId' | 'userId' | 'roles'>, id: string, expectedVersion?: number): Promise<Order> => {
    const result = await makeTransitionOrder(deps)(
      actor.tenantId,
      id,
      (current) => {
        assertVersion(visibleTo(actor, id, current), expectedVersion);
        return { action: 'deliver' };
      },
      { source: 'orders-deliver' },
    );
    return result.order;
  };

export default defineHttp(
  {
    name: 'orders-deliver',
    method: 'POST',
    path: '/{id}',
    summary: 'Mark a fulfilled order delivered (staff); If-Match optional',
    tags: ['orders'],
    auth: 'staff',
    request: { params: orderIdParams, headers: optionalIfMatchHeaders },
    response: { status: 200, schema: order, description: 'The delivered order' },
    errors: [404, 409, 412],
  },
  async ({ params, headers, actor }) => {
    const ifMatch = headers['if-match'];
    const delivered = await makeDeliverOrder(await orderDeps())(actor, params.id, ifMatch ? versionFromEtag(ifMatch) : undefined);
    return { body: toApi(delivered), headers: { etag: etagOf(delivered.version) } };
  },
);
