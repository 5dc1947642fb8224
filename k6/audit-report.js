import { call, pause } from './lib/api.js';
import { CREATED, seedAudit } from './lib/audit.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => seedAudit(5);

// Compliance reports over the seeded window, by hour and by day.
export default ({ count, from, to }) => {
  const granularity = __ITER % 2 === 0 ? 'hour' : 'day';
  call('GET', 'audit-report', {
    query: { from, to, granularity },
    checks: { 'counts the products': (r) => r.json('byType')[CREATED] >= count },
  });
  pause();
};
