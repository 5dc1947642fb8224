// The seed's load plan as k6 scenarios. Pick one with SCENARIO (default smoke); the VU
// numbers are the seed's, scaled by SCALE (e.g. SCALE=0.05 on a 2-core laptop).
const scale = Number(__ENV.SCALE || 1);
const vus = (n) => Math.max(1, Math.round(n * scale));

export const SCENARIOS = {
  // A correctness pass, not a measurement: 2 VUs × 10 iterations each, never longer than 30 s.
  // `npm test` runs every script with it (tests/e2e/k6.test.ts).
  smoke: { executor: 'per-vu-iterations', vus: 2, iterations: 10, maxDuration: '30s' },
  load: {
    executor: 'ramping-vus',
    stages: [
      { duration: '1m', target: vus(4000) },
      { duration: '2m', target: vus(4000) },
      { duration: '1m', target: 0 },
    ],
  },
  stress: {
    executor: 'ramping-vus',
    stages: [
      { duration: '2m', target: vus(7000) },
      { duration: '3m', target: vus(7000) },
      { duration: '1m', target: 0 },
    ],
  },
  spike: {
    executor: 'ramping-vus',
    stages: [
      { duration: '1m', target: vus(7000) },
      { duration: '10s', target: vus(7700) },
      { duration: '1m', target: vus(7700) },
      { duration: '30s', target: 0 },
    ],
  },
  soak: { executor: 'constant-vus', vus: vus(4000), duration: '10m' },
};

export const scenarioName = () => {
  const name = __ENV.SCENARIO || 'smoke';
  if (!SCENARIOS[name]) throw new Error(`unknown SCENARIO ${name}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  return name;
};

/** The most VUs a scenario runs at once. */
export const peakVus = (s) => (s.stages ? Math.max(...s.stages.map((stage) => stage.target)) : s.vus);

/** The same scenario with no more than `maxVus` VUs at any time (stages' targets capped). */
export const capped = (s, maxVus) => {
  if (!maxVus) return s;
  if (s.stages) return { ...s, stages: s.stages.map((stage) => ({ ...stage, target: Math.min(stage.target, maxVus) })) };
  return { ...s, vus: Math.min(s.vus, maxVus) };
};

/**
 * The selected scenario as k6's `scenarios` option. `maxVus` caps it for operations that are
 * one operator's action, not a crowd's (replaying a dead-letter queue).
 */
export const scenario = ({ maxVus } = {}) => {
  const name = scenarioName();
  return { [name]: capped(SCENARIOS[name], maxVus) };
};

/** How many VUs the selected scenario peaks at (after `maxVus`): the size of per-VU data pools. */
export const scenarioVus = ({ maxVus } = {}) => peakVus(capped(SCENARIOS[scenarioName()], maxVus));

/** Shared thresholds: errors under 1 %, checks above 99 %, p95 under 500 ms, p99 under 1 s. */
export const THRESHOLDS = {
  http_req_failed: ['rate<0.01'],
  checks: ['rate>0.99'],
  http_req_duration: ['p(95)<500', 'p(99)<1000'],
};

/**
 * Operator calls are allowed longer (stack.yml gives them a 60 s timeout): a dead-letter replay
 * joins a Kafka consumer group when there is something to replay; a chain verification walks a
 * tenant's whole audit chain. Errors and checks are held to the same bar.
 */
export const OPERATOR_THRESHOLDS = {
  ...THRESHOLDS,
  http_req_duration: ['p(95)<10000', 'p(99)<30000'],
};

/**
 * The smoke run checks correctness next to Kafka, FerretDB, Redis and the gateway on the same
 * 2 cores, where a burst of event processing can hold a write for a few hundred milliseconds:
 * errors and checks keep the bar above, latency only catches gross regressions. The seed's
 * latency targets are measured by the other scenarios.
 */
export const SMOKE_THRESHOLDS = {
  ...THRESHOLDS,
  http_req_duration: ['p(95)<1500', 'p(99)<3000'],
};

/** A script's `options`: the selected scenario and its thresholds. */
export const loadOptions = ({ thresholds = THRESHOLDS, maxVus } = {}) => ({
  scenarios: scenario({ maxVus }),
  thresholds: thresholds === THRESHOLDS && scenarioName() === 'smoke' ? SMOKE_THRESHOLDS : thresholds,
  setupTimeout: '90s',
});
