import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from './launcher/config';
import { goInstall, isFresh, run, writeStamp } from './launcher/install';
import type { LauncherConfig } from './launcher/types';

/**
 * `npm run load -- <scenario> [script...]`: runs k6 scripts against a gateway (GATEWAY_URL,
 * default http://127.0.0.1:${GATEWAY_PORT:-8080}), each with tokens of a fresh tenant minted
 * with the local dev key (as `npm run token` does), and prints k6's summary of each and a
 * closing table. Without scripts, every script in k6/. k6 comes from the Go module proxy
 * (`go install go.k6.io/k6@v1.8.1`), built once into the launcher's bin cache.
 *
 * The e2e test (tests/e2e/k6.test.ts) uses the same pieces with the in-process gateway.
 */
const REPO_ROOT = path.resolve(__dirname, '..');
export const K6_DIR = path.join(REPO_ROOT, 'k6');
export const K6_VERSION = 'v1.8.1';
export const K6_PACKAGE = `go.k6.io/k6@${K6_VERSION}`;

/** The scenarios of k6/lib/scenarios.js (a unit test keeps the two lists equal). */
export const SCENARIOS = ['smoke', 'load', 'stress', 'spike', 'soak'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The script names in k6/ (each the stack.yml function it loads), sorted. */
export const k6Scripts = (dir = K6_DIR): string[] =>
  fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.js'))
    .map((file) => file.slice(0, -'.js'.length))
    .sort();

/**
 * The k6 binary, built with `go install` into the launcher's bin cache when missing. A binary
 * already there without the cache's version stamp (built by hand the same way) is adopted when
 * it reports the pinned version, instead of being built again.
 */
export const ensureK6 = async (config: LauncherConfig = loadConfig()): Promise<string> => {
  const bin = path.join(config.binDir, 'k6');
  const stamp = `${bin}.version`;
  if (!isFresh(stamp, K6_PACKAGE, bin) && fs.existsSync(bin)) {
    const reported = await run(bin, ['version']).catch(() => '');
    if (reported.startsWith(`k6 ${K6_VERSION} `)) writeStamp(stamp, K6_PACKAGE);
  }
  await goInstall(config, K6_PACKAGE, 'k6');
  return bin;
};

export interface LoadArgs {
  scenario: Scenario;
  scripts: string[];
}

export const USAGE = `usage: npm run load -- <${SCENARIOS.join('|')}> [script...]   (scripts: k6/<name>.js; default all)`;

/** `<scenario> [script...]`; scripts by name (`products-get`) or path (`k6/products-get.js`). */
export const parseLoadArgs = (argv: string[], available: string[] = k6Scripts()): LoadArgs => {
  const [scenario, ...rest] = argv;
  if (!scenario || !(SCENARIOS as readonly string[]).includes(scenario)) throw new Error(`unknown or missing scenario ${scenario ?? ''}\n${USAGE}`);
  const scripts = rest.map((arg) => path.basename(arg).replace(/\.js$/, ''));
  const unknown = scripts.filter((script) => !available.includes(script));
  if (unknown.length > 0) throw new Error(`no k6 script ${unknown.join(', ')}; there are: ${available.join(', ')}`);
  return { scenario: scenario as Scenario, scripts: scripts.length > 0 ? scripts : available };
};

export interface K6Run {
  script: string;
  scenario: Scenario;
  gatewayUrl: string;
  /** An owner of the tenant the script works in. */
  token: string;
  /** A platform operator (the scripts of operator functions need it). */
  platformToken: string;
  /** Where k6 writes its summary as JSON (`--summary-export`). */
  summaryExport?: string;
  /** Extra environment: SCALE, THINK_S, DLQ_TOPIC... */
  env?: Record<string, string>;
  /** 'inherit' prints k6's progress and summary; 'pipe' collects them into `output`. */
  stdio?: 'inherit' | 'pipe';
}

export interface K6Result {
  script: string;
  code: number;
  /** k6's output when run with stdio 'pipe'. */
  output: string;
}

/** k6 exits 99 when a threshold is crossed, other non-zero codes when the script fails. */
export const runK6 = (bin: string, job: K6Run): Promise<K6Result> =>
  new Promise((resolve, reject) => {
    const args = [
      'run',
      '--no-usage-report',
      '--quiet',
      ...(job.summaryExport ? ['--summary-export', job.summaryExport] : []),
      path.join(K6_DIR, `${job.script}.js`),
    ];
    // Tokens travel in the environment, not the command line (which `ps` shows).
    const child = spawn(bin, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...job.env,
        K6_NO_USAGE_REPORT: 'true',
        GATEWAY_URL: job.gatewayUrl,
        SCENARIO: job.scenario,
        TOKEN: job.token,
        PLATFORM_TOKEN: job.platformToken,
      },
      stdio: job.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-256 * 1024);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ script: job.script, code: code ?? (signal ? 128 : 1), output }));
  });

interface ExportedMetric {
  passes?: number;
  fails?: number;
  value?: number;
  count?: number;
  'p(95)'?: number;
  /** Expression → crossed (true means the threshold failed). */
  thresholds?: Record<string, boolean>;
}

export interface K6Summary {
  requests: number;
  /** Requests k6 counted as failed (http_req_failed), and their rate. */
  failedRequests: number;
  failedRate: number;
  checksPassed: number;
  checksFailed: number;
  p95Ms: number | undefined;
  /** Every threshold as `metric: expression`, with whether it held. */
  thresholds: { name: string; ok: boolean }[];
}

/** Reads k6's `--summary-export` JSON (the legacy format: a Rate's `passes` counts its true values). */
export const parseSummary = (json: string): K6Summary => {
  const { metrics } = JSON.parse(json) as { metrics: Record<string, ExportedMetric> };
  const failed = metrics.http_req_failed ?? {};
  return {
    requests: metrics.http_reqs?.count ?? 0,
    failedRequests: failed.passes ?? 0,
    failedRate: failed.value ?? 0,
    checksPassed: metrics.checks?.passes ?? 0,
    checksFailed: metrics.checks?.fails ?? 0,
    p95Ms: metrics.http_req_duration?.['p(95)'],
    thresholds: Object.entries(metrics).flatMap(([metric, m]) =>
      Object.entries(m.thresholds ?? {}).map(([expression, crossed]) => ({ name: `${metric}: ${expression}`, ok: !crossed })),
    ),
  };
};

/** One line per script for the closing table. */
export const formatRow = (script: string, code: number, summary: K6Summary | undefined): string => {
  const verdict = code === 0 ? 'ok' : code === 99 ? 'THRESHOLDS CROSSED' : `FAILED (exit ${code})`;
  if (!summary) return `${script.padEnd(26)} ${verdict}`;
  const p95 = summary.p95Ms === undefined ? '-' : `${summary.p95Ms.toFixed(1)} ms`;
  const failedPct = `${(summary.failedRate * 100).toFixed(2)} %`;
  return `${script.padEnd(26)} ${String(summary.requests).padStart(8)} req  ${failedPct.padStart(8)} failed  p95 ${p95.padStart(10)}  checks ${summary.checksPassed}/${summary.checksPassed + summary.checksFailed}  ${verdict}`;
};

const defaultGateway = (): string => process.env.GATEWAY_URL || `http://127.0.0.1:${loadConfig().ports.gateway}`;

const main = async (argv: string[]): Promise<number> => {
  const { scenario, scripts } = parseLoadArgs(argv);
  const gatewayUrl = defaultGateway();
  const health = await fetch(`${gatewayUrl}/healthz`).catch(() => undefined);
  if (!health?.ok) throw new Error(`no gateway answers at ${gatewayUrl}/healthz: start it with \`npm start\` or set GATEWAY_URL`);
  const bin = await ensureK6();
  const { mintDevToken } = await import('../openfaas/gateway/dev-token');
  const runId = Date.now().toString(36);
  fs.mkdirSync(loadConfig().runDir, { recursive: true });
  const summaries = fs.mkdtempSync(path.join(loadConfig().runDir, 'k6-'));
  const rows: string[] = [];
  let failures = 0;
  for (const script of scripts) {
    // A fresh tenant per script: its audit chain, lists and searches hold only its own data.
    const tenant = `load-${runId}-${script}`;
    const mint = (role: 'owner' | 'platform') => mintDevToken({ tenant, roles: [role], user: `load-${role}`, ttlSeconds: 2 * 3600 });
    const summaryExport = path.join(summaries, `${script}.json`);
    process.stdout.write(`\n=== k6 ${scenario} ${script} (tenant ${tenant}) ===\n`);
    const passthrough = Object.fromEntries(['SCALE', 'THINK_S', 'DLQ_TOPIC'].flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : [])));
    const { code } = await runK6(bin, {
      script,
      scenario,
      gatewayUrl,
      token: await mint('owner'),
      platformToken: await mint('platform'),
      summaryExport,
      env: passthrough,
    });
    const summary = fs.existsSync(summaryExport) ? parseSummary(fs.readFileSync(summaryExport, 'utf8')) : undefined;
    rows.push(formatRow(script, code, summary));
    if (code !== 0) failures += 1;
  }
  process.stdout.write(`\n=== ${scenario} against ${gatewayUrl} (summaries in ${summaries}) ===\n${rows.join('\n')}\n`);
  process.stdout.write(`${scripts.length - failures} passed, ${failures} failed\n`);
  return failures === 0 ? 0 : 1;
};

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
