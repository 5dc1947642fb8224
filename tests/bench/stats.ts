/** A benchmark figure against a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  baseline: number;
  ratio: number;
  /** The ratio must stay at or below (`max`) or at or above (`min`) this. */
  target: { max?: number; min?: number };
  ok: boolean;
  unit: string;
}

export const compare = (name: string, value: number, baseline: number, target: BenchResult['target'], unit: string): BenchResult => {
  const ratio = baseline > 0 ? value / baseline : Number.POSITIVE_INFINITY;
  const ok = (target.max === undefined || ratio <= target.max) && (target.min === undefined || ratio >= target.min);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { name, value: round(value), baseline: round(baseline), ratio: round(ratio), target, ok, unit };
};

export const percentile = (sorted: number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
};

export const median = (values: number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export const formatTable = (results: BenchResult[]): string => {
  const header = ['benchmark', 'value', 'baseline', 'ratio', 'target', 'ok'];
  const rows = results.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    `${r.baseline} ${r.unit}`,
    r.ratio.toFixed(2),
    r.target.max !== undefined ? `<= ${r.target.max}` : `>= ${r.target.min}`,
    r.ok ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
};
