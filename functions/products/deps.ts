import { v7 as uuidv7 } from 'uuid';
import { nudgeOutbox } from '../../layers/events/outbox';
import { releaseQuota, reserveQuota } from '../../layers/plans/quota';
import { productCreated } from './events';
import { productStore, type ProductStore } from './repository';

/** What products operations need from the outside world; handlers wire the real ones. */
export interface ProductDeps {
  store: ProductStore;
  newId: () => string;
  now: () => Date;
  /** Wakes the outbox relay to drain the product just written; best effort, the relay also sweeps. */
  nudge: (id: string) => void;
  /** The tenant's plan allowance of products (layers/plans): reserve throws PlanLimitError past the limit. */
  quota: { reserve(tenantId: string): Promise<void>; release(tenantId: string): Promise<void> };
}

export const productDeps = async (): Promise<ProductDeps> => ({
  store: await productStore(),
  newId: uuidv7,
  now: () => new Date(),
  nudge: (id) => nudgeOutbox({ ...productCreated.aggregate, id }),
  quota: {
    reserve: async (tenantId) => void (await reserveQuota(tenantId, 'products')),
    release: async (tenantId) => void (await releaseQuota(tenantId, 'products')),
  },
});
