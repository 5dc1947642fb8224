import { call, pause, pick } from './lib/api.js';
import { CREATED, seedAudit } from './lib/audit.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => seedAudit(5);

// What an auditor asks: the latest page, one product's history, one event type, a time window,
// and the next page by cursor.
export default ({ ids, from, to }) => {
  const queries = [{ limit: 20 }, { subject: pick(ids) }, { type: CREATED, limit: 2 }, { from, to }];
  const query = queries[__ITER % queries.length];
  const page = call('GET', 'audit-query', { query, checks: { 'has entries': (r) => r.json('items').length > 0 } });
  const cursor = page.ok ? page.res.json('nextCursor') : null;
  if (cursor) call('GET', 'audit-query', { query: { ...query, cursor }, checks: { 'next page': (r) => r.json('items').length > 0 } });
  pause();
};
