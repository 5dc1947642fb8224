import { fail } from 'k6';
import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Messages are made by the notification consumers from events (codes, welcomes, alerts), not
// through this API: a load tenant may have none, so the checks hold for any page, and the
// cursor is followed when there is one.
export const setup = () => {
  if (!call('GET', 'notification-message-list', { query: { limit: 1 } }).ok) fail('setup: notification-message-list did not answer 200');
  return {};
};

const page = (r) => Array.isArray(r.json('items')) && (r.json('nextCursor') === null || typeof r.json('nextCursor') === 'string');

// An admin's delivery log: the latest page, failed deliveries, email only, and the next page.
export default () => {
  const queries = [{ limit: 20 }, { state: 'failed' }, { channel: 'email', state: 'sent', limit: 10 }];
  const query = queries[__ITER % queries.length];
  const first = call('GET', 'notification-message-list', {
    query,
    checks: {
      'a page': page,
      'matches the filter': (r) => r.json('items').every((m) => (!query.state || m.state === query.state) && (!query.channel || m.channel === query.channel)),
      'codes never shown': (r) =>
        !/\b\d{6}\b/.test(
          r
            .json('items')
            .map((m) => m.body)
            .join(' '),
        ),
    },
  });
  const cursor = first.ok ? first.res.json('nextCursor') : null;
  if (cursor) call('GET', 'notification-message-list', { query: { ...query, cursor }, checks: { 'next page': page } });
  pause();
};
