import { call, pause, platformToken } from './lib/api.js';
import { OPERATOR_THRESHOLDS, loadOptions } from './lib/scenarios.js';

// One operator replaying dead letters, one at a time: concurrent replays of one queue would
// share its consumer group and wait on each other's rebalances.
export const options = loadOptions({ thresholds: OPERATOR_THRESHOLDS, maxVus: 1 });

// The original topic whose `.dlq` is replayed (DLQ_TOPIC), provisioned with every topic.
const TOPIC = __ENV.DLQ_TOPIC || 'products.product.created';

const replay = () =>
  call('POST', 'platform-dlq-replay', {
    token: platformToken(),
    body: { topic: TOPIC, max: 1 },
    checks: { 'at most one replayed': (r) => r.json('replayed') <= 1 && r.json('remaining') >= 0 },
  });

// Fails early when the token is missing or the dead-letter topic does not exist (404).
export const setup = () => {
  if (!replay().ok) throw new Error(`platform-dlq-replay of ${TOPIC}.dlq did not answer 200`);
};

export default () => {
  replay();
  pause();
};
