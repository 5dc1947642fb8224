import { describe, expect, it } from 'vitest';
import { formatRow, K6_PACKAGE, parseLoadArgs, parseSummary } from '../../../infra/k6';

const AVAILABLE = ['audit-verify', 'products-get', 'products-update'];

describe('npm run load arguments', () => {
  it('runs every script when none is named', () => {
    expect(parseLoadArgs(['smoke'], AVAILABLE)).toEqual({ scenario: 'smoke', scripts: AVAILABLE });
  });

  it('takes scripts by name or by path', () => {
    expect(parseLoadArgs(['load', 'products-get', 'k6/audit-verify.js'], AVAILABLE).scripts).toEqual(['products-get', 'audit-verify']);
  });

  it('refuses a missing or unknown scenario, and unknown scripts', () => {
    expect(() => parseLoadArgs([], AVAILABLE)).toThrow(/usage: npm run load/);
    expect(() => parseLoadArgs(['marathon'], AVAILABLE)).toThrow(/unknown or missing scenario marathon/);
    expect(() => parseLoadArgs(['smoke', 'orders-create'], AVAILABLE)).toThrow(/no k6 script orders-create/);
  });

  it('pins k6', () => {
    expect(K6_PACKAGE).toBe('go.k6.io/k6@v1.8.1');
  });
});

// The shape k6 v1.8.1 writes with --summary-export (trimmed from a real run).
const EXPORT = {
  root_group: { name: '', path: '', checks: {} },
  metrics: {
    http_reqs: { count: 22, rate: 4.4 },
    http_req_duration: {
      avg: 344.1,
      min: 15.5,
      med: 337.1,
      max: 688.3,
      'p(90)': 637.5,
      'p(95)': 659.27,
      thresholds: { 'p(99)<1000': false, 'p(95)<500': true },
    },
    // A Rate's `passes` counts its true values: here, failed requests.
    http_req_failed: { passes: 1, fails: 21, thresholds: { 'rate<0.01': true }, value: 0.0454 },
    checks: { passes: 42, fails: 2, thresholds: { 'rate>0.99': true }, value: 0.954 },
    iterations: { count: 20, rate: 4 },
  },
};

describe('k6 summary export', () => {
  const summary = parseSummary(JSON.stringify(EXPORT));

  it('reads requests, failed requests, checks and p95', () => {
    expect(summary).toMatchObject({ requests: 22, failedRequests: 1, failedRate: 0.0454, checksPassed: 42, checksFailed: 2, p95Ms: 659.27 });
  });

  it('reads every threshold, `true` meaning crossed', () => {
    expect(summary.thresholds).toEqual(
      expect.arrayContaining([
        { name: 'http_req_duration: p(99)<1000', ok: true },
        { name: 'http_req_duration: p(95)<500', ok: false },
        { name: 'http_req_failed: rate<0.01', ok: false },
        { name: 'checks: rate>0.99', ok: false },
      ]),
    );
    expect(summary.thresholds).toHaveLength(4);
  });

  it('copes with a run that made no request', () => {
    expect(parseSummary(JSON.stringify({ metrics: {} }))).toEqual({
      requests: 0,
      failedRequests: 0,
      failedRate: 0,
      checksPassed: 0,
      checksFailed: 0,
      p95Ms: undefined,
      thresholds: [],
    });
  });

  it('prints one row per script with its verdict', () => {
    expect(formatRow('products-get', 0, summary)).toMatch(/^products-get\s+22 req\s+4\.54 % failed\s+p95\s+659\.3 ms\s+checks 42\/44\s+ok$/);
    expect(formatRow('products-get', 99, summary)).toMatch(/THRESHOLDS CROSSED$/);
    expect(formatRow('products-get', 107, undefined)).toMatch(/^products-get\s+FAILED \(exit 107\)$/);
  });
});
