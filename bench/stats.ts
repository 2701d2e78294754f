/** Figures as the report gives them: a median and p95 over repetitions, against a budget. */
export interface Figure {
  name: string;
  unit: string;
  median: number;
  p95: number;
  /** The limit the p95 (or, for `direction: 'min'`, the median) must stay under or over. */
  budget: number | null;
  met: boolean | null;
  samples: number;
  note?: string;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export function figure(
  name: string,
  unit: string,
  values: readonly number[],
  budget: number | null,
  options: { direction?: 'max' | 'min'; on?: 'p95' | 'median'; note?: string } = {},
): Figure {
  const median = round(quantile(values, 0.5));
  const p95 = round(quantile(values, 0.95));
  const checked = options.on === 'median' ? median : p95;
  const met = budget === null || Number.isNaN(checked) ? null : options.direction === 'min' ? checked >= budget : checked <= budget;
  return { name, unit, median, p95, budget, met, samples: values.length, ...(options.note ? { note: options.note } : {}) };
}

export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function table(figures: readonly Figure[]): string {
  const rows = [['figure', 'unit', 'median', 'p95', 'budget', 'met'], ...figures.map((f) => [
    f.name,
    f.unit,
    format(f.median),
    format(f.p95),
    f.budget === null ? '-' : format(f.budget),
    f.met === null ? '-' : f.met ? 'yes' : 'NO',
  ])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function format(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}
