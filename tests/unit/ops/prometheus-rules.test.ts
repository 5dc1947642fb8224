import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FUNCTION_NAMESPACE } from '../../../infra/k8s/generate';
import { prometheusConfig } from '../../../infra/launcher/prometheus';
import { knownMetricNames, metricNamesIn, prometheusRules, readText, readYaml } from './support';

/** rules.yml by convention; promtool itself checks and runs them (tests/integration/ops/promtool.test.ts). */

const rules = prometheusRules();
const alerts = rules.filter((rule) => rule.alert);
const records = rules.filter((rule) => rule.record);
const known = knownMetricNames();

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}
const ruleTests = readYaml<{ rule_files: string[]; tests: { alert_rule_test?: AlertTest[] }[] }>('infra/prometheus/rules.test.yml');
const alertTests = ruleTests.tests.flatMap((test) => test.alert_rule_test ?? []);

const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
const runbookAnchors = new Set([...readText('infra/prometheus/runbooks.md').matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchorOf(m[1]!)));

describe('alert rules', () => {
  it('are the ones the brief names', () => {
    expect([...new Set(alerts.map((rule) => rule.alert))].sort()).toEqual([
      'MarketplaceCircuitOpen',
      'MarketplaceConsumerLagHigh',
      'MarketplaceDeadLettersIncreasing',
      'MarketplaceDeadLettersWaiting',
      'MarketplaceFunctionErrorRatioHigh',
      'MarketplaceFunctionLatencyBudgetBurn',
      'MarketplaceOutboxBacklogHigh',
      'MarketplaceSagaFailureRatioHigh',
    ]);
  });

  it.each(alerts.map((rule) => [`${rule.alert} (${rule.labels?.severity})`, rule] as const))(
    '%s: is named, labelled and annotated by convention',
    (_, rule) => {
      expect(rule.alert).toMatch(/^Marketplace[A-Z][A-Za-z]+$/);
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.length).toBeGreaterThan(10);
      expect(rule.annotations?.description?.length).toBeGreaterThan(20);
      const url = rule.annotations?.runbook_url ?? '';
      expect(url).toMatch(/^https:\/\/.+\/infra\/prometheus\/runbooks\.md#[a-z-]+$/);
      expect(url.split('#')[1]).toBe(rule.alert!.toLowerCase());
      expect(runbookAnchors.has(url.split('#')[1]!), `runbooks.md has a heading for ${rule.alert}`).toBe(true);
    },
  );

  it('has one severity per alert name and condition', () => {
    const keys = alerts.map((rule) => `${rule.alert}/${rule.labels?.severity}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('sets the thresholds and durations asked for', () => {
    const find = (name: string, severity = 'warning') => alerts.find((rule) => rule.alert === name && rule.labels?.severity === severity)!;
    expect(find('MarketplaceFunctionErrorRatioHigh', 'warning').expr).toMatch(/ratio_rate5m > 0\.02$/);
    expect(find('MarketplaceFunctionErrorRatioHigh', 'critical').expr).toMatch(/ratio_rate5m > 0\.05$/);
    expect(find('MarketplaceConsumerLagHigh')).toMatchObject({ for: '10m' });
    // replicas read the same lag from the broker: max, never a sum over them
    expect(find('MarketplaceConsumerLagHigh').expr).toMatch(/^max by \(group, topic\) \(marketplace_consumer_lag\) > 1000$/);
    expect(find('MarketplaceDeadLettersWaiting')).toMatchObject({ for: '1h' });
    expect(find('MarketplaceSagaFailureRatioHigh', 'warning').expr).toMatch(/ratio_rate30m > 0\.2$/);
    expect(find('MarketplaceSagaFailureRatioHigh', 'critical').expr).toMatch(/ratio_rate30m > 0\.5$/);
    expect(find('MarketplaceDeadLettersIncreasing').expr).toContain('increase(marketplace_dlq_messages_total[15m])) > 0');
    expect(find('MarketplaceOutboxBacklogHigh')).toMatchObject({ for: '5m' });
    expect(find('MarketplaceOutboxBacklogHigh').expr).toMatch(/> 100$/);
    expect(find('MarketplaceCircuitOpen')).toMatchObject({ for: '1m' });
    expect(find('MarketplaceCircuitOpen').expr).toMatch(/== 2$/);
    // multi-window burn rates: a long and a short window each
    expect(find('MarketplaceFunctionLatencyBudgetBurn', 'critical').expr).toMatch(
      /ratio_rate1h > \(14\.4 \* 0\.01\)\s+and\s+\S+ratio_rate5m > \(14\.4 \* 0\.01\)/,
    );
    expect(find('MarketplaceFunctionLatencyBudgetBurn', 'warning').expr).toMatch(/ratio_rate6h > \(6 \* 0\.01\)\s+and\s+\S+ratio_rate30m > \(6 \* 0\.01\)/);
  });

  it('are each tested firing and not firing in rules.test.yml', () => {
    expect(ruleTests.rule_files).toEqual(['rules.yml']);
    for (const name of new Set(alerts.map((rule) => rule.alert!))) {
      const cases = alertTests.filter((test) => test.alertname === name);
      expect(
        cases.some((test) => (test.exp_alerts ?? []).length > 0),
        `${name} fires in a test`,
      ).toBe(true);
      expect(
        cases.some((test) => (test.exp_alerts ?? []).length === 0),
        `${name} stays quiet in a test`,
      ).toBe(true);
    }
  });
});

describe('recording rules', () => {
  it('record per-function request rate, 5xx ratio and p99, and per-saga failure ratio, by level:metric:operations', () => {
    const names = records.map((rule) => rule.record);
    expect(names).toEqual(
      expect.arrayContaining([
        'function:marketplace_function_requests:rate5m',
        'function:marketplace_function_errors:ratio_rate5m',
        'function:marketplace_function_duration_seconds:p99_5m',
        'saga:marketplace_saga_failures:ratio_rate30m',
      ]),
    );
    for (const rule of records) {
      const level = rule.record!.split(':')[0]!;
      expect(rule.record).toMatch(/^(function|saga):marketplace_[a-z_]+:[a-z0-9_]+$/);
      // the level names the labels the rule keeps
      expect(rule.expr, rule.record).toMatch(new RegExp(`\\bby \\(${level}(, le)?\\)`));
    }
  });
});

describe('every rule', () => {
  it.each(rules.map((rule) => [rule.record ?? `${rule.alert} (${rule.labels?.severity})`, rule] as const))('%s: selects only series that exist', (_, rule) => {
    const names = metricNamesIn(rule.expr);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(known.has(name), `unknown metric ${name}`).toBe(true);
  });
});

describe('the local Prometheus of the launcher', () => {
  it('loads rules.yml', () => {
    const config = parse(prometheusConfig({ port: 9090, gatewayPort: 8080, rulesGlob: '/repo/infra/prometheus/rules.yml' })) as { rule_files: string[] };
    expect(config.rule_files).toEqual(['/repo/infra/prometheus/rules.yml']);
    expect(readText('infra/launcher/prometheus.ts')).toContain("path.join(config.infraDir, 'prometheus', 'rules.yml')");
  });
});

describe('the production prometheus.yml', () => {
  interface Job {
    job_name: string;
    kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
    relabel_configs?: { source_labels?: string[]; action?: string; regex?: string }[];
  }
  const config = parse(readText('infra/prometheus/prometheus.yml'), { merge: true }) as { rule_files: string[]; scrape_configs: Job[] };
  const podJobs = config.scrape_configs.filter((job) => job.kubernetes_sd_configs);

  // Debian's promtool cannot read kubernetes_sd_configs: what it cannot check is checked here.
  it('discovers pods in the gateway, function and platform namespaces', () => {
    expect(config.rule_files).toEqual(['rules.yml']);
    const namespaces = podJobs.flatMap((job) => job.kubernetes_sd_configs!.flatMap((sd) => sd.namespaces?.names ?? []));
    expect(namespaces.sort()).toEqual(['marketplace', 'openfaas', FUNCTION_NAMESPACE].sort());
    expect(readText('infra/k8s/namespace.yml')).toMatch(/name: marketplace$/m);
    for (const job of podJobs) for (const sd of job.kubernetes_sd_configs!) expect(sd.role, job.job_name).toBe('pod');
  });

  it('keeps only the pods annotated prometheus.io/scrape: "true"', () => {
    for (const job of podJobs) {
      expect(job.relabel_configs?.[0], job.job_name).toEqual({
        source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
        action: 'keep',
        regex: 'true',
      });
    }
  });
});
