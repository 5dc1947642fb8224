import type { Actor } from '../../layers/auth/types';
import { defineHttp } from '../../layers/http/define';
import { etagOf, optionalIfMatchHeaders, versionFromEtag } from '../../layers/http/versioning';
import { orderDeps, type OrderDeps } from './deps';
import { assertVersion, toApi, visibleTo } from './rules';
import { order, orderIdParams, type Order } from './schemas';
import { makeTransitionOrder } from './transition';

/**
 * The seller's moves along an order's fulfilment (orders-fulfil, orders-deliver): one action of
 * the state machine, staff and above, If-Match optional; any other state is a 409.
 */
type StaffAction = 'fulfil' | 'deliver';

export const makeStaffTransition =
  (action: StaffAction, source: string) =>
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  async (actor: Pick<Actor, 'tenantId' | 'userId' | 'roles'>, id: string, expectedVersion?: number): Promise<Order> => {
    const result = await makeTransitionOrder(deps)(
      actor.tenantId,
      id,
      (current) => {
        assertVersion(visibleTo(actor, id, current), expectedVersion);
        return { action };
      },
      { source },
    );
    return result.order;
  };

export const staffTransitionHttp = (spec: { name: string; action: StaffAction; summary: string; description: string }) =>
  defineHttp(
    {
      name: spec.name,
      method: 'POST',
      path: '/{id}',
      summary: spec.summary,
      tags: ['orders'],
      auth: 'staff',
      request: { params: orderIdParams, headers: optionalIfMatchHeaders },
      response: { status: 200, schema: order, description: spec.description },
      errors: [404, 409, 412],
    },
    async ({ params, headers, actor }) => {
      const ifMatch = headers['if-match'];
      const moved = await makeStaffTransition(spec.action, spec.name)(await orderDeps())(actor, params.id, ifMatch ? versionFromEtag(ifMatch) : undefined);
      return { body: toApi(moved), headers: { etag: etagOf(moved.version) } };
    },
  );
