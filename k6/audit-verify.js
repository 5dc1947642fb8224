import { call, pause } from './lib/api.js';
import { seedAudit } from './lib/audit.js';
import { OPERATOR_THRESHOLDS, loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ thresholds: OPERATOR_THRESHOLDS });

export const setup = () => seedAudit(5);

// Verifies the tenant's hash chain, which nothing alters during the run: it must hold.
export default ({ count }) => {
  call('POST', 'audit-verify', {
    checks: { 'chain intact': (r) => r.json('valid') === true && r.json('checked') >= count },
  });
  pause();
};
