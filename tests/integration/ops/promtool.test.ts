import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { prometheusConfig } from '../../../infra/launcher/prometheus';
import { dashboardFiles, dashboardPromql, readDashboard, ROOT, withGrafanaVariablesResolved } from '../../unit/ops/support';

/**
 * Prometheus's own tool on the repository's rules and configs: `promtool check rules`,
 * `promtool test rules` (rules.test.yml), `promtool check config` (production, compose and the
 * launcher's local config), and every dashboard expression parsed as PromQL.
 *
 * promtool comes with Debian's `prometheus` package, which the launcher installs
 * (`npx tsx infra/launcher/cli.ts up`, the first step of `npm test`); PROMTOOL=/path overrides.
 */
const findPromtool = (): string | undefined => {
  if (process.env.PROMTOOL) return process.env.PROMTOOL;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'promtool');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
};

const PROMTOOL = findPromtool();
const MISSING =
  "promtool is not on PATH. It comes with Debian's `prometheus` package, which the launcher installs: run `npx tsx infra/launcher/cli.ts up` (npm test does, first), or `apt-get install prometheus`, or set PROMTOOL=/path/to/promtool.";

const promtool = (...args: string[]): { status: number | null; output: string } => {
  if (!PROMTOOL) throw new Error(MISSING);
  const result = spawnSync(PROMTOOL, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`${PROMTOOL} ${args.join(' ')}: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

const expectSuccess = (...args: string[]): string => {
  const { status, output } = promtool(...args);
  expect(status, `promtool ${args.join(' ')}\n${output}`).toBe(0);
  return output;
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const RULES = path.join(ROOT, 'infra/prometheus/rules.yml');

/** Debian builds Prometheus without Kubernetes service discovery, so its promtool cannot read kubernetes_sd_configs. */
const KUBERNETES_SD_UNSUPPORTED = /field kubernetes_sd_configs not found/;

describe('promtool', () => {
  it('is installed', () => {
    expect(PROMTOOL, MISSING).toBeDefined();
    expect(promtool('--version').status).toBe(0);
  });

  it('check rules: infra/prometheus/rules.yml', () => {
    expect(expectSuccess('check', 'rules', 'infra/prometheus/rules.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('test rules: infra/prometheus/rules.test.yml', () => {
    expect(expectSuccess('test', 'rules', 'infra/prometheus/rules.test.yml')).toContain('SUCCESS');
  });

  it('check config: infra/prometheus/prometheus.yml (production, Kubernetes discovery)', () => {
    const { status, output } = promtool('check', 'config', 'infra/prometheus/prometheus.yml');
    if (status === 0) {
      expect(output).toContain('SUCCESS: 1 rule files found');
      return;
    }
    // Only the Kubernetes discovery this build lacks may fail; everything else is checked on a
    // copy whose pod discovery is replaced by a static target.
    const errors = output.split('\n').filter((line) => /line \d+:/.test(line));
    expect(errors.length > 0 && errors.every((line) => KUBERNETES_SD_UNSUPPORTED.test(line)), output).toBe(true);
    console.warn(
      `${PROMTOOL} has no Kubernetes service discovery (Debian's build): kubernetes_sd_configs of infra/prometheus/prometheus.yml not validated; the rest is.`,
    );
    const config = parse(fs.readFileSync(path.join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8'), { merge: true }) as {
      rule_files: string[];
      scrape_configs: Record<string, unknown>[];
    };
    config.rule_files = config.rule_files.map((file) => path.resolve(ROOT, 'infra/prometheus', file));
    for (const job of config.scrape_configs) {
      if (!job.kubernetes_sd_configs) continue;
      delete job.kubernetes_sd_configs;
      job.static_configs = [{ targets: ['pod.example:8080'] }];
    }
    const copy = path.join(tmp, 'prometheus-without-kubernetes-sd.yml');
    fs.writeFileSync(copy, stringify(config));
    expect(expectSuccess('check', 'config', copy)).toContain('SUCCESS: 1 rule files found');
  });

  it('check config: infra/compose/prometheus.yml', () => {
    expect(expectSuccess('check', 'config', 'infra/compose/prometheus.yml')).toContain('SUCCESS: 1 rule files found');
  });

  it('check config: the launcher’s local prometheus.yml loads rules.yml', () => {
    const file = path.join(tmp, 'launcher-prometheus.yml');
    fs.writeFileSync(file, prometheusConfig({ port: 9090, gatewayPort: 8080, rulesGlob: RULES }));
    expect(expectSuccess('check', 'config', file)).toContain('SUCCESS: 1 rule files found');
  });

  it('check rules: every dashboard expression is PromQL', () => {
    const rules = dashboardFiles().flatMap((file) =>
      dashboardPromql(readDashboard(file))
        .filter(({ expr }) => !expr.startsWith('label_values('))
        .map(({ where, expr }) => ({ where: `${file}: ${where}`, expr: withGrafanaVariablesResolved(expr) })),
    );
    expect(rules.length).toBeGreaterThan(30);
    const file = path.join(tmp, 'dashboard-exprs.yml');
    fs.writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules: rules.map(({ expr }, i) => ({ record: `dashboard:expr:${i}`, expr })) }] }));
    const { status, output } = promtool('check', 'rules', '--lint=none', file);
    const failing = [...output.matchAll(/group "dashboards", rule (\d+)/g)].map((m) => rules[Number(m[1]) - 1]);
    expect(status, `${output}\n${failing.map((r) => `${r?.where}: ${r?.expr}`).join('\n')}`).toBe(0);
  });
});
