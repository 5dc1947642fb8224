import type { Actor } from '../../layers/auth/types';
import { defineHttp } from '../../layers/http/define';
import { etagOf, optionalIfMatchHeaders, versionFromEtag } from '../../layers/http/versioning';
import { orderDeps, type OrderDeps } from './deps';
import { assertVersion, cancelReasonOf, toApi, visibleTo, type CancelledBy } from './rules';
import { cancelOrderBody, order, orderIdParams, type Order } from './schemas';
import { makeTransitionOrder } from './transition';

// Schemas: `orderIdParams` and an optional `If-Match` in, `order` out (./schemas).

/**
 * Cancels an order that is pending, reserved or confirmed: its buyer (`buyer_cancelled`) or the
 * seller's staff (`seller_cancelled`); the optional body names which, when the caller is both. A fulfilled, delivered or cancelled order is a 409
 * `illegal_transition` naming its state. The `cancelled` event makes inventory release the
 * hold, payment refund what was captured and cart give the coupon back.
 */
export const makeCancelOrder =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  async (actor: Pick<Actor, 'tenantId' | 'userId' | 'roles'>, id: string, options: { expectedVersion?: number; reason?: CancelledBy } = {}): Promise<Order> => {
    const result = await makeTransitionOrder(deps)(
      actor.tenantId,
      id,
      (current) => {
        const found = visibleTo(actor, id, current);
        assertVersion(found, options.expectedVersion);
        return { action: 'cancel', reason: cancelReasonOf(actor, found, options.reason) };
      },
      { source: 'orders-cancel' },
    );
    return result.order;
  };

export default defineHttp(
  {
    name: 'orders-cancel',
    method: 'POST',
    path: '/{id}',
    summary: 'Cancel an order (its buyer, or staff); If-Match and a reason optional',
    tags: ['orders'],
    auth: 'customer',
    request: { params: orderIdParams, headers: optionalIfMatchHeaders, body: cancelOrderBody },
    response: { status: 200, schema: order, description: 'The cancelled order' },
    errors: [404, 409, 412, 422],
  },
  async ({ params, headers, body, actor }) => {
    const ifMatch = headers['if-match'];
    const cancelled = await makeCancelOrder(await orderDeps())(actor, params.id, {
      ...(ifMatch ? { expectedVersion: versionFromEtag(ifMatch) } : {}),
      ...(body?.reason ? { reason: body.reason } : {}),
    });
    return { body: toApi(cancelled), headers: { etag: etagOf(cancelled.version) } };
  },
);
