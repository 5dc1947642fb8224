import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';
import { product, productId, sku } from './schemas';

const aggregate = { service: 'products', collection: 'products' } as const;

export const productCreated = defineEvent({
  type: 'products.product.created.v1',
  schema: product,
  aggregate,
  description: 'A product was created; data is the full product.',
});

export const productUpdated = defineEvent({
  type: 'products.product.updated.v1',
  schema: product,
  aggregate,
  description: 'A product changed; data is the full product at its new version.',
});

export const productDeleted = defineEvent({
  type: 'products.product.deleted.v1',
  schema: z.object({ id: productId, version: z.number().int().positive() }),
  aggregate,
  description: 'A product was deleted (soft delete).',
});

export const variantUpserted = defineEvent({
  type: 'products.variant.upserted.v1',
  schema: z.object({ sku, product }),
  aggregate,
  description: 'A variant was created or replaced; data carries the whole product so consumers need no ordering across topics.',
});

export const variantDeleted = defineEvent({
  type: 'products.variant.deleted.v1',
  schema: z.object({ sku, product }),
  aggregate,
  description: 'A variant was removed; data carries the whole product at its new version.',
});

export const productEvents = [productCreated, productUpdated, productDeleted, variantUpserted, variantDeleted];
