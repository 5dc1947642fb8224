// The seed's load plan as k6 scenarios. Pick one with SCENARIO (default smoke); the VU
// numbers are the seed's, scaled by SCALE (e.g. SCALE=0.05 on a 2-core laptop).
const scale = Number(__ENV.SCALE || 1);
const vus = (n) => Math.max(1, Math.round(n * scale));

export const SCENARIOS = {
  smoke: { executor: 'constant-vus', vus: 2, duration: '10s' },
  load: { executor: 'ramping-vus', stages: [{ duration: '1m', target: vus(4000) }, { duration: '2m', target: vus(4000) }, { duration: '1m', target: 0 }] },
  stress: { executor: 'ramping-vus', stages: [{ duration: '2m', target: vus(7000) }, { duration: '3m', target: vus(7000) }, { duration: '1m', target: 0 }] },
  spike: { executor: 'ramping-vus', stages: [{ duration: '1m', target: vus(7000) }, { duration: '10s', target: vus(7700) }, { duration: '1m', target: vus(7700) }, { duration: '30s', target: 0 }] },
  soak: { executor: 'constant-vus', vus: vus(4000), duration: '10m' },
};

export const scenario = () => {
  const name = __ENV.SCENARIO || 'smoke';
  if (!SCENARIOS[name]) throw new Error(`unknown SCENARIO ${name}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  return { [name]: SCENARIOS[name] };
};

/** Shared thresholds: errors under 1 %, p95 under 500 ms, p99 under 1 s. */
export const THRESHOLDS = {
  http_req_failed: ['rate<0.01'],
  http_req_duration: ['p(95)<500', 'p(99)<1000'],
};
