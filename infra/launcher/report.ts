import type { ServiceDefinition, ServiceReport, ServiceUrls } from './types';

/** Plain-text table with one row per service. */
export function formatTable(reports: readonly ServiceReport[], totalSeconds?: number): string {
  const rows = [['service', 'via', 'url', 'state', 'seconds'], ...reports.map((r) => [r.name, r.title, r.url, r.state, r.seconds.toFixed(1)])];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd(),
  );
  if (totalSeconds !== undefined) lines.push(`total ${totalSeconds.toFixed(1)}s`);
  return lines.join('\n');
}

/** Quotes a value for POSIX sh when it needs quoting. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME=value` lines for every resolved URL, in the definitions' order. */
export function exportLines(urls: ServiceUrls, defs: readonly Pick<ServiceDefinition, 'envVar' | 'key'>[]): string {
  return defs
    .filter((d) => urls[d.key] !== undefined)
    .map((d) => `export ${d.envVar}=${shellQuote(urls[d.key]!)}`)
    .join('\n');
}
