import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { signinFlagged } from '../auth/events';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { deliverDeps } from './deps';
import type { SigninFlaggedVariables } from './templates';

type SigninFlagged = z.infer<typeof signinFlagged.schema>;

/** The security alert to the person whose sign-in was flagged (or whose account was locked). */
export const signinFlaggedDelivery = (event: ConsumedEvent<SigninFlagged>): Delivery => {
  const { email, reasons, ip, userAgent, locked } = event.data;
  const variables: SigninFlaggedVariables = {
    email,
    reasons,
    reasonList: reasons.join(', '),
    ip: ip ?? 'an unknown address',
    userAgent: userAgent ?? 'an unknown device',
    locked,
    time: event.time,
  };
  return { tenantId: event.tenantId, eventId: event.id, eventType: event.type, key: 'signin-flagged', channel: 'email', to: email, variables };
};

export const makeOnSigninFlagged =
  (deps: DeliverDeps) =>
  (event: ConsumedEvent<SigninFlagged>): Promise<DeliveryOutcome> =>
    makeDeliver(deps)(signinFlaggedDelivery(event));

export default defineConsumer(
  {
    name: 'notification-on-signin-flagged',
    summary: 'Tell a user about a suspicious sign-in or a lockout',
    events: { [signinFlagged.type]: signinFlagged.schema },
  },
  async (event, context) => {
    const outcome = await makeOnSigninFlagged(await deliverDeps())(event);
    context.log.info({ outcome, locked: event.data.locked }, 'sign-in alert delivery');
  },
);
