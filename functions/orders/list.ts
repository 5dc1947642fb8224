import type { Actor } from '../../layers/auth/types';
import { ForbiddenError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { decodeCursor, toPage, type Page } from '../../layers/http/paging';
import { isSeller } from './rules';
import { listOrdersQuery, orderPage, type ListOrdersQuery, type OrderSummary } from './schemas';
import { orderViewStore, type OrderIndex, type OrderViewStore } from './store';

// Schemas: `listOrdersQuery` in, `orderPage` out (./schemas).

/** Which index a caller may list: a buyer their own orders; the seller (staff and above) every order of the tenant. */
export const indexFor = (actor: Pick<Actor, 'userId' | 'roles'>, view: ListOrdersQuery['view']): OrderIndex => {
  if (view === 'buyer') return { kind: 'buyer', buyerId: actor.userId };
  if (!isSeller(actor)) throw new ForbiddenError("The seller's view requires the role staff or higher.", 'insufficient_role', { requiredRole: 'staff' });
  return { kind: 'seller' };
};

/** One page of order summaries from the read model (Redis), newest first; the cursor is opaque. */
export const makeListOrders =
  (deps: { views: Pick<OrderViewStore, 'page'> }) =>
  async (actor: Pick<Actor, 'tenantId' | 'userId' | 'roles'>, query: ListOrdersQuery): Promise<Page<OrderSummary>> => {
    const index = indexFor(actor, query.view);
    return toPage(await deps.views.page(actor.tenantId, index, decodeCursor(query.cursor), query.limit + 1), query.limit);
  };

export default defineHttp(
  {
    name: 'orders-list',
    method: 'GET',
    summary: "List orders: the buyer's own, or the seller's (staff), newest first (cursor-paginated)",
    tags: ['orders'],
    auth: 'customer',
    request: { query: listOrdersQuery },
    response: { status: 200, schema: orderPage, description: 'A page of order summaries' },
    errors: [403],
  },
  async ({ query, actor }) => ({ body: await makeListOrders({ views: await orderViewStore() })(actor, query) }),
);
