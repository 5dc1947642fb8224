import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { stockLow } from '../inventory/events';
import { viewStore } from '../products/read-model';
import { ownerContactIdOf, stockLowVariables, type Contact } from './commerce';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { contactDeps, deliverDeps, type ContactDeps } from './deps';

type StockLow = z.infer<typeof stockLow.schema>;

export interface StockLowDeps extends DeliverDeps, ContactDeps {
  /** The product's name in the catalogue's read model, when it has it. */
  productName: (tenantId: string, productId: string) => Promise<string | undefined>;
}

/** The low-stock alert to the seller: the tenant's owner. */
export const stockLowDelivery = (event: ConsumedEvent<StockLow>, owner: Contact, productName: string | undefined): Delivery => ({
  tenantId: event.tenantId,
  eventId: event.id,
  eventType: event.type,
  key: 'stock-low',
  channel: 'email',
  to: owner.email,
  variables: stockLowVariables(event.data, owner, productName),
});

export type StockLowOutcome = DeliveryOutcome | 'no-contact';

/**
 * Alerts the tenant's owner, whose address notification-on-tenant-provisioned kept. A tenant
 * provisioned before that contact was kept has none: the alert is skipped ('no-contact'), not
 * retried, since no retry would find one. The product's name is best effort: without it the
 * alert names the product by id.
 */
export const makeOnStockLow =
  (deps: StockLowDeps) =>
  async (event: ConsumedEvent<StockLow>): Promise<StockLowOutcome> => {
    const owner = await deps.contacts.get(event.tenantId, ownerContactIdOf(event.tenantId));
    if (!owner) return 'no-contact';
    const productName = await deps.productName(event.tenantId, event.data.productId).catch(() => undefined);
    return makeDeliver(deps)(stockLowDelivery(event, owner, productName));
  };

const catalogueName = async (tenantId: string, productId: string): Promise<string | undefined> =>
  (await (await viewStore()).read(tenantId, productId))?.product?.name;

export default defineConsumer(
  {
    name: 'notification-on-stock-low',
    summary: "Alert the seller that a variant's stock is low",
    events: { [stockLow.type]: stockLow.schema },
  },
  async (event, context) => {
    const [deliver, contacts] = await Promise.all([deliverDeps(), contactDeps()]);
    const outcome = await makeOnStockLow({ ...deliver, ...contacts, productName: catalogueName })(event);
    const fields = { outcome, productId: event.data.productId, sku: event.data.sku, available: event.data.available };
    if (outcome === 'no-contact') context.log.warn(fields, "low-stock alert skipped: the tenant owner's address is unknown");
    else context.log.info(fields, 'low-stock alert delivery');
  },
);
