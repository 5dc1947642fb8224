import { call, createProducts, waitFor } from './api.js';

export const CREATED = 'products.product.created.v1';

/**
 * In setup(): a few products, then a wait until the audit chain holds their `created` events
 * (audit-on-event appends them from Kafka, a moment after the API answered). Returns their ids
 * and the time window they fall in.
 */
export const seedAudit = (count = 5) => {
  const from = new Date(Date.now() - 60_000).toISOString();
  const ids = createProducts(count, (i) => `Audited product ${i + 1}`).map((p) => p.id);
  waitFor(
    `${count} ${CREATED} audit entries`,
    () => {
      const { res, ok } = call('GET', 'audit-query', { query: { type: CREATED, limit: 200 } });
      return ok && res.json('items').length >= count;
    },
    60,
  );
  return { ids, count, from, to: new Date(Date.now() + 3_600_000).toISOString() };
};
