import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SCENARIOS as RUNNER_SCENARIOS } from '../../../infra/k6';

/** k6/lib/scenarios.js uses no k6 module, only the `__ENV` global: it runs here as it does in k6. */
interface Stage {
  duration: string;
  target: number;
}
interface ScenarioSpec {
  executor: string;
  vus?: number;
  iterations?: number;
  maxDuration?: string;
  duration?: string;
  stages?: Stage[];
}
interface ScenariosModule {
  SCENARIOS: Record<string, ScenarioSpec>;
  THRESHOLDS: Record<string, string[]>;
  SMOKE_THRESHOLDS: Record<string, string[]>;
  OPERATOR_THRESHOLDS: Record<string, string[]>;
  scenario: (o?: { maxVus?: number }) => Record<string, ScenarioSpec>;
  scenarioVus: (o?: { maxVus?: number }) => number;
  peakVus: (s: ScenarioSpec) => number;
  capped: (s: ScenarioSpec, maxVus?: number) => ScenarioSpec;
  loadOptions: (o?: { thresholds?: Record<string, string[]>; maxVus?: number }) => {
    scenarios: Record<string, ScenarioSpec>;
    thresholds: Record<string, string[]>;
  };
}

const MODULE = path.resolve(__dirname, '../../../k6/lib/scenarios.js');
const withEnv = async (env: Record<string, string>): Promise<ScenariosModule> => {
  (globalThis as { __ENV?: Record<string, string> }).__ENV = env;
  vi.resetModules();
  return (await import(MODULE)) as ScenariosModule;
};

afterEach(() => {
  delete (globalThis as { __ENV?: unknown }).__ENV;
});

describe('k6/lib/scenarios.js', () => {
  it('offers the scenarios the runner accepts', async () => {
    const { SCENARIOS } = await withEnv({});
    expect(Object.keys(SCENARIOS).sort()).toEqual([...RUNNER_SCENARIOS].sort());
  });

  it('keeps smoke small and bounded: 2 VUs × 10 iterations, at most 30 s', async () => {
    const { scenario } = await withEnv({});
    expect(scenario()).toEqual({ smoke: { executor: 'per-vu-iterations', vus: 2, iterations: 10, maxDuration: '30s' } });
  });

  it("holds the seed's plan, scaled by SCALE", async () => {
    const full = await withEnv({ SCENARIO: 'load' });
    expect(full.scenarioVus()).toBe(4000);
    expect(full.peakVus(full.SCENARIOS.stress!)).toBe(7000);
    expect(full.peakVus(full.SCENARIOS.spike!)).toBe(7700);
    expect(full.SCENARIOS.soak).toMatchObject({ vus: 4000, duration: '10m' });
    const scaled = await withEnv({ SCENARIO: 'load', SCALE: '0.05' });
    expect(scaled.scenarioVus()).toBe(200);
  });

  it('caps a scenario for one-operator actions', async () => {
    const m = await withEnv({ SCENARIO: 'spike' });
    expect(m.scenarioVus({ maxVus: 1 })).toBe(1);
    expect(m.scenario({ maxVus: 1 }).spike!.stages!.map((s) => s.target)).toEqual([1, 1, 1, 0]);
    expect(m.capped(m.SCENARIOS.soak!, 3).vus).toBe(3);
    expect(m.capped(m.SCENARIOS.soak!)).toBe(m.SCENARIOS.soak);
  });

  it('refuses an unknown scenario', async () => {
    const { scenario } = await withEnv({ SCENARIO: 'marathon' });
    expect(() => scenario()).toThrow(/unknown SCENARIO marathon/);
  });

  it("holds errors and checks to the seed's bar everywhere, latency to its targets outside smoke", async () => {
    const load = await withEnv({ SCENARIO: 'load' });
    expect(load.loadOptions().thresholds).toEqual({
      http_req_failed: ['rate<0.01'],
      checks: ['rate>0.99'],
      http_req_duration: ['p(95)<500', 'p(99)<1000'],
    });
    expect(load.loadOptions({ thresholds: load.OPERATOR_THRESHOLDS }).thresholds.http_req_failed).toEqual(['rate<0.01']);

    const smoke = await withEnv({ SCENARIO: 'smoke' });
    const { thresholds } = smoke.loadOptions();
    expect(thresholds).toEqual(smoke.SMOKE_THRESHOLDS);
    expect(thresholds.http_req_failed).toEqual(smoke.THRESHOLDS.http_req_failed);
    expect(thresholds.checks).toEqual(smoke.THRESHOLDS.checks);
    expect(smoke.loadOptions({ thresholds: smoke.OPERATOR_THRESHOLDS }).thresholds).toBe(smoke.OPERATOR_THRESHOLDS);
  });
});
