import { describe, expect, it } from 'vitest';
import {
  allPanels,
  dashboardFiles,
  dashboardPromql,
  datasourceOf,
  knownMetricNames,
  metricNamesIn,
  readDashboard,
  readText,
  readYaml,
  type Datasource,
} from './support';

/** Grafana provisioning and dashboards: every dashboard shows series that exist, from datasources that are provisioned. */

interface ProvisionedDatasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  jsonData?: {
    derivedFields?: { datasourceUid: string; matcherRegex: string }[];
    tracesToLogsV2?: { datasourceUid: string; query?: string; filterByTraceID?: boolean };
    lokiSearch?: { datasourceUid: string };
  };
}

const datasources = readYaml<{ apiVersion: number; datasources: ProvisionedDatasource[] }>('infra/grafana/provisioning/datasources/datasources.yml');
const byUid = new Map(datasources.datasources.map((ds) => [ds.uid, ds]));
const known = knownMetricNames();
const files = dashboardFiles();

describe('metricNamesIn', () => {
  it('finds the selected metrics, not functions, labels, keywords, strings or variables', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (function, le) (rate(a_bucket{function=~"$function", le="0.5"}[$__rate_interval]))) / on (function) group_left b or vector(1e3) unless c offset 5m',
      ).sort(),
    ).toEqual(['a_bucket', 'b', 'c']);
    expect(metricNamesIn('label_values(marketplace_function_requests_total, function)')).toEqual(['marketplace_function_requests_total']);
    expect(metricNamesIn('function:marketplace_function_requests:rate5m / 0.01')).toEqual(['function:marketplace_function_requests:rate5m']);
  });

  it('knows the series the code exports, histograms with their suffixes, and the recorded ones', () => {
    for (const name of [
      'marketplace_function_requests_total',
      'marketplace_function_duration_seconds_bucket',
      'marketplace_function_duration_seconds_count',
      'marketplace_consumer_lag',
      'marketplace_circuit_state',
      'gateway_function_invocation_total',
      'gateway_functions_seconds_sum',
      'function:marketplace_function_errors:ratio_rate5m',
    ]) {
      expect(known.has(name), name).toBe(true);
    }
    expect(known.has('marketplace_function_duration_seconds')).toBe(false);
  });
});

describe('provisioned datasources', () => {
  it('are Prometheus, Loki and Tempo with stable uids, addressed through the environment', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources.map((ds) => [ds.uid, ds.type]).sort()).toEqual([
      ['loki', 'loki'],
      ['prometheus', 'prometheus'],
      ['tempo', 'tempo'],
    ]);
    expect(datasources.datasources.map((ds) => ds.url).sort()).toEqual(['${LOKI_URL}', '${PROMETHEUS_URL}', '${TEMPO_URL}']);
  });

  it('link traces to logs and logs to traces by trace_id', () => {
    const tempo = byUid.get('tempo')!;
    expect(tempo.jsonData?.tracesToLogsV2?.datasourceUid).toBe('loki');
    expect(tempo.jsonData?.tracesToLogsV2?.filterByTraceID).toBe(true);
    // `$$` keeps Grafana's own variable from being read as an environment variable
    expect(tempo.jsonData?.tracesToLogsV2?.query).toContain('$${__trace.traceId}');
    expect(tempo.jsonData?.lokiSearch?.datasourceUid).toBe('loki');
    const derived = byUid.get('loki')!.jsonData?.derivedFields ?? [];
    expect(derived.map((field) => field.datasourceUid)).toEqual(['tempo']);
    const pinoLine =
      '{"level":"info","time":"2025-01-01T00:00:00.000Z","service":"products","function":"products-get","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","msg":"request completed"}';
    expect(new RegExp(derived[0]!.matcherRegex).exec(pinoLine)?.[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('load dashboards from the folder the dashboard files are mounted at', () => {
    const providers = readYaml<{ providers: { type: string; options: { path: string } }[] }>('infra/grafana/provisioning/dashboards/dashboards.yml').providers;
    expect(providers).toHaveLength(1);
    expect(providers[0]!.type).toBe('file');
    expect(readText('infra/compose/docker-compose.yml')).toContain(`../grafana/dashboards:${providers[0]!.options.path}:ro`);
  });
});

describe.each(files)('dashboard %s', (file) => {
  const dashboard = readDashboard(file);
  const panels = allPanels(dashboard);

  it('has a uid, a title and panels, each placed and with a unique id', () => {
    expect(dashboard.uid).toMatch(/^marketplace-[a-z0-9-]+$/);
    expect(dashboard.title).toMatch(/^Marketplace \/ /);
    expect(panels.length).toBeGreaterThan(3);
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.gridPos, panel.title).toBeDefined();
      expect(panel.gridPos!.x + panel.gridPos!.w, panel.title).toBeLessThanOrEqual(24);
    }
  });

  it('has no placeholder panels: every panel but rows queries something', () => {
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(['text', 'news', 'welcome'], panel.title).not.toContain(panel.type);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.expr?.trim(), `${panel.title} [${target.refId}]`).toBeTruthy();
    }
  });

  it('uses only provisioned datasources, by uid and type', () => {
    const used: { where: string; ds: Datasource | undefined }[] = [
      ...panels
        .filter((p) => p.type !== 'row')
        .flatMap((panel) => [
          { where: panel.title ?? '', ds: panel.datasource },
          ...(panel.targets ?? []).map((target) => ({ where: `${panel.title} [${target.refId}]`, ds: datasourceOf(panel, target) })),
        ]),
      ...(dashboard.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => ({ where: `$${v.name}`, ds: v.datasource })),
    ];
    for (const { where, ds } of used) {
      expect(ds?.uid && byUid.has(ds.uid), `${where}: datasource ${JSON.stringify(ds)}`).toBe(true);
      expect(ds!.type, where).toBe(byUid.get(ds!.uid!)!.type);
    }
  });

  it('queries only series the code exports, the rules record, or Prometheus makes', () => {
    const queries = dashboardPromql(dashboard);
    expect(queries.length).toBeGreaterThan(0);
    for (const { where, expr } of queries) {
      const names = metricNamesIn(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(known.has(name), `${where}: unknown metric ${name} in ${expr}`).toBe(true);
    }
  });
});

describe('dashboards together', () => {
  it('are the four the README lists, with distinct uids', () => {
    expect(files).toEqual(['function-red.json', 'kafka-outbox-dlq.json', 'service-overview.json', 'tenants-plans.json']);
    const uids = files.map((file) => readDashboard(file).uid);
    expect(new Set(uids).size).toBe(files.length);
  });

  it('cover the consumer lag, outbox backlog, dead letters and events published', () => {
    const exprs = dashboardPromql(readDashboard('kafka-outbox-dlq.json'))
      .map((q) => q.expr)
      .join('\n');
    for (const metric of ['marketplace_consumer_lag', 'marketplace_outbox_backlog', 'marketplace_dlq_messages_total', 'marketplace_events_published_total']) {
      expect(exprs).toContain(metric);
    }
  });

  it('template the RED dashboard by function', () => {
    const red = readDashboard('function-red.json');
    expect(red.templating?.list?.map((v) => v.name)).toEqual(['function']);
    const queries = dashboardPromql(red).filter((q) => !q.where.startsWith('$'));
    for (const { where, expr } of queries) expect(expr, where).toMatch(/\$function/);
  });
});
