import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';

/** Inventory's events that other services consume today; the inventory functions arrive with the commerce work. */
export const stockChanged = defineEvent({
  type: 'inventory.stock.changed.v1',
  schema: z.object({
    productId: z.string().min(1),
    sku: z.string().min(1),
    available: z.number().int(),
    reserved: z.number().int().min(0),
    version: z.number().int().positive(),
  }),
  aggregate: { service: 'inventory', collection: 'stock' },
  description: 'The stock of one variant changed (set, adjusted, reserved, committed or released).',
});

export const inventoryEvents = [stockChanged];
