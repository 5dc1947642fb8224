import type { Actor } from '../../layers/auth/types';
import { ROLE_LEVEL } from '../../layers/auth/types';
import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { paymentStore, type PaymentStore } from './repository';
import { orderParams, paymentView, toPaymentView, type PaymentView } from './schemas';

// Schemas: `orderParams` in, `paymentView` out (./schemas).

/** A buyer sees the payment of their own order; staff and above see every payment of the tenant. Anything else is a 404. */
export const makeGetPayment =
  (deps: { store: Pick<PaymentStore, 'get'> }) =>
  async (actor: Pick<Actor, 'userId' | 'level'>, tenantId: string, orderId: string): Promise<PaymentView> => {
    const record = await deps.store.get(tenantId, orderId);
    if (!record || (actor.level < ROLE_LEVEL.staff && record.buyerId !== actor.userId)) throw new NotFoundError('payment', orderId);
    return toPaymentView(record);
  };

export default defineHttp(
  {
    name: 'payment-get',
    method: 'GET',
    path: '/{orderId}',
    summary: "Get an order's payment",
    description: 'The buyer of the order, or staff and above. Shows what was captured and refunded, and what the buyer must still do to pay.',
    tags: ['payment'],
    auth: 'customer',
    request: { params: orderParams },
    response: { status: 200, schema: paymentView, description: 'The payment' },
    errors: [404],
  },
  async ({ params, actor, tenantId }) => ({
    body: await makeGetPayment({ store: await paymentStore() })(actor, tenantId, params.orderId),
    headers: { 'cache-control': 'private, no-store' },
  }),
);
