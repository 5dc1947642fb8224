import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** Shared by the ops tests: the repository's paths, its metric names, and the PromQL they appear in. */
export const ROOT = path.resolve(__dirname, '../../..');
export const PROMETHEUS_DIR = path.join(ROOT, 'infra/prometheus');
export const GRAFANA_DIR = path.join(ROOT, 'infra/grafana');
export const DASHBOARDS_DIR = path.join(GRAFANA_DIR, 'dashboards');

export const readText = (relative: string): string => fs.readFileSync(path.join(ROOT, relative), 'utf8');
export const readYaml = <T = unknown>(relative: string): T => parse(readText(relative)) as T;

/** Where the series the code exports are declared, and how each file names them. */
const METRIC_SOURCES: { file: string; pattern: RegExp }[] = [
  // counter('name', ...), histogram('name', ...), gauge('name', ...)
  { file: 'layers/metrics/index.ts', pattern: /\b(counter|histogram|gauge)\(\s*'([a-zA-Z_:][\w:]*)'/g },
  // new Counter({ name: 'name', ... })
  { file: 'openfaas/gateway/metrics.ts', pattern: /new (Counter|Histogram|Gauge)\(\{\s*name:\s*'([a-zA-Z_:][\w:]*)'/g },
  // const GAUGE_NAME = 'name'; ... new Gauge({ name: GAUGE_NAME
  { file: 'layers/circuit-breaker/index.ts', pattern: /const (GAUGE)_NAME = '([a-zA-Z_:][\w:]*)'/g },
];

/** The series names the code exposes at /metrics: a histogram as its _bucket, _sum and _count. */
export const exportedMetricNames = (): Set<string> => {
  const names = new Set<string>();
  for (const source of METRIC_SOURCES) {
    for (const [, kind, name] of readText(source.file).matchAll(source.pattern)) {
      if (kind!.toLowerCase() === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      else names.add(name!);
    }
  }
  return names;
};

/** Series Prometheus makes itself, which dashboards may use. */
export const PROMETHEUS_SERIES = ['ALERTS', 'ALERTS_FOR_STATE', 'up'];

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const prometheusRules = (): Rule[] =>
  readYaml<{ groups: { name: string; rules: Rule[] }[] }>('infra/prometheus/rules.yml').groups.flatMap((group) => group.rules);

export const recordedMetricNames = (): Set<string> => new Set(prometheusRules().flatMap((rule) => (rule.record ? [rule.record] : [])));

export const knownMetricNames = (): Set<string> => new Set([...exportedMetricNames(), ...recordedMetricNames(), ...PROMETHEUS_SERIES]);

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects. Strings, label matchers, ranges, grouping
 * clauses and Grafana variables are dropped; of the identifiers left, those called as functions
 * and the keywords are not metrics. Enough for the expressions of this repository, not a parser
 * (promtool parses them: tests/integration/ops/promtool.test.ts).
 */
export const metricNamesIn = (expr: string): string[] => {
  const labelValues = /label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/.exec(expr);
  if (labelValues) return [labelValues[1]!];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return [...names];
};

/** A Grafana dashboard as far as the tests look into it. */
export interface Datasource {
  type?: string;
  uid?: string;
}
export interface Target {
  refId?: string;
  expr?: string;
  datasource?: Datasource;
}
export interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: Datasource;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
export interface TemplateVariable {
  name: string;
  type: string;
  datasource?: Datasource;
  query?: string | { query?: string };
}
export interface Dashboard {
  uid?: string;
  title?: string;
  panels?: Panel[];
  templating?: { list?: TemplateVariable[] };
}

export const dashboardFiles = (): string[] =>
  fs
    .readdirSync(DASHBOARDS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();

export const readDashboard = (file: string): Dashboard => JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard;

/** Every panel, those inside collapsed rows included. */
export const allPanels = (dashboard: Dashboard): Panel[] => (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);

export const datasourceOf = (panel: Panel, target: Target): Datasource | undefined => target.datasource ?? panel.datasource;

/** The PromQL of a dashboard: every Prometheus target's expr and every Prometheus variable's query. */
export const dashboardPromql = (dashboard: Dashboard): { where: string; expr: string }[] => [
  ...allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((target) => datasourceOf(panel, target)?.type === 'prometheus' && target.expr)
      .map((target) => ({ where: `${panel.title} [${target.refId}]`, expr: target.expr! })),
  ),
  ...(dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === 'query' && variable.datasource?.type === 'prometheus')
    .map((variable) => ({ where: `$${variable.name}`, expr: typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '') })),
];

/** Grafana's variables replaced by values Prometheus accepts, to parse an expr outside Grafana. */
export const withGrafanaVariablesResolved = (expr: string): string =>
  expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?\w+(?::\w+)?\}?/g, '.+');
