import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { codeIssued } from '../auth/events';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { deliverDeps } from './deps';
import { minutesUntil } from './rules';
import type { CodeVariables } from './templates';

type CodeIssued = z.infer<typeof codeIssued.schema>;

/**
 * A code's message: by the channel and to the address the event names, with the template of
 * its purpose. Minutes are counted from when the code was issued, so every redelivery renders
 * the same message; a code that expired before it could go out is not sent.
 */
export const codeDelivery = (event: ConsumedEvent<CodeIssued>): Delivery => {
  const { purpose, channel, to, name, sealedSecret, expiresAt } = event.data;
  const variables: Omit<CodeVariables, 'code'> = { name: name ?? '', to, expiresAt, expiresInMinutes: minutesUntil(expiresAt, new Date(event.time)) };
  return { tenantId: event.tenantId, eventId: event.id, eventType: event.type, key: purpose, channel, to, variables, sealedSecret, expiresAt };
};

export const makeOnCodeIssued =
  (deps: DeliverDeps) =>
  (event: ConsumedEvent<CodeIssued>): Promise<DeliveryOutcome> =>
    makeDeliver(deps)(codeDelivery(event));

export default defineConsumer(
  {
    name: 'notification-on-code-issued',
    summary: 'Deliver a one-time code or reset token by email or SMS',
    events: { [codeIssued.type]: codeIssued.schema },
  },
  async (event, context) => {
    const outcome = await makeOnCodeIssued(await deliverDeps())(event);
    context.log.info({ outcome, purpose: event.data.purpose, channel: event.data.channel }, 'code delivery');
  },
);
