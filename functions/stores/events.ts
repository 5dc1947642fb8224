import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';

/** The stores service's events, in the outbox of the store document (`stores` database, `stores`). */
const aggregate = { service: 'stores', collection: 'stores' } as const;

const storeSnapshot = z.object({
  id: z.string().min(1),
  name: z.string().min(1).max(120),
  domain: z.string().max(253).nullable(),
  domainVerified: z.boolean(),
  version: z.number().int().positive(),
});

export const storeCreated = defineEvent({
  type: 'stores.store.created.v1',
  schema: storeSnapshot,
  aggregate,
  description: 'A store was created.',
});

export const storeUpdated = defineEvent({
  type: 'stores.store.updated.v1',
  schema: storeSnapshot,
  aggregate,
  description: 'A store changed (name, theme or custom domain).',
});

export const domainVerified = defineEvent({
  type: 'stores.domain.verified.v1',
  schema: z.object({ storeId: z.string().min(1), domain: z.string().min(1).max(253) }),
  aggregate,
  description: "A store's custom domain passed its DNS TXT challenge.",
});

export const storeEvents = [storeCreated, storeUpdated, domainVerified];
