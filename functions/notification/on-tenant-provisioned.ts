import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { tenantProvisioned } from '../tenant/events';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { deliverDeps } from './deps';
import type { WelcomeVariables } from './templates';

type TenantProvisioned = z.infer<typeof tenantProvisioned.schema>;

/** The welcome email to the owner of a tenant just provisioned, in that tenant's templates (onboarding saga, last step). */
export const welcomeDelivery = (event: ConsumedEvent<TenantProvisioned>): Delivery => {
  const { ownerEmail, ownerName, name, slug, type, plan } = event.data;
  const variables: WelcomeVariables = { name: ownerName, email: ownerEmail, tenantName: name, tenantSlug: slug, tenantType: type, plan };
  return { tenantId: event.tenantId, eventId: event.id, eventType: event.type, key: 'welcome', channel: 'email', to: ownerEmail, variables };
};

export const makeOnTenantProvisioned =
  (deps: DeliverDeps) =>
  (event: ConsumedEvent<TenantProvisioned>): Promise<DeliveryOutcome> =>
    makeDeliver(deps)(welcomeDelivery(event));

export default defineConsumer(
  {
    name: 'notification-on-tenant-provisioned',
    summary: 'Welcome the owner of a newly provisioned tenant',
    events: { [tenantProvisioned.type]: tenantProvisioned.schema },
  },
  async (event, context) => {
    const outcome = await makeOnTenantProvisioned(await deliverDeps())(event);
    context.log.info({ outcome }, 'welcome delivery');
  },
);
