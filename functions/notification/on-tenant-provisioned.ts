import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { tenantProvisioned } from '../tenant/events';
import { ownerContactIdOf } from './commerce';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { contactDeps, deliverDeps, type ContactDeps } from './deps';
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

/** Keeps the owner's address as the tenant's contact: seller alerts (low stock) go to it. */
export const makeRememberOwner =
  (deps: ContactDeps & { now: () => Date }) =>
  (event: ConsumedEvent<TenantProvisioned>): Promise<void> =>
    deps.contacts.put(
      event.tenantId,
      ownerContactIdOf(event.tenantId),
      { email: event.data.ownerEmail, name: event.data.ownerName, tenantName: event.data.name },
      deps.now(),
    );

export default defineConsumer(
  {
    name: 'notification-on-tenant-provisioned',
    summary: 'Welcome the owner of a newly provisioned tenant',
    events: { [tenantProvisioned.type]: tenantProvisioned.schema },
  },
  async (event, context) => {
    const [deliver, contacts] = await Promise.all([deliverDeps(), contactDeps()]);
    await makeRememberOwner({ ...contacts, now: deliver.now })(event);
    const outcome = await makeOnTenantProvisioned(deliver)(event);
    context.log.info({ outcome }, 'welcome delivery');
  },
);
