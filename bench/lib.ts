/**
 * Shared benchmark plumbing. Every figure is printed beside a baseline measured in the same
 * process and run, as a ratio, each the median of several runs. Nothing here asserts a time.
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  /** value / baselineValue */
  ratio: number;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/** Runs `fn` `runs` times (after `warmup` unrecorded runs) and returns the median milliseconds. */
export async function medianMs(fn: () => Promise<unknown> | unknown, runs = 7, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function row(name: string, value: number, unit: string, baseline: string, baselineValue: number): BenchRow {
  return { name, value, unit, baseline, baselineValue, ratio: baselineValue === 0 ? NaN : value / baselineValue };
}

export function printRows(rows: BenchRow[]): void {
  for (const r of rows) {
    const v = `${r.value.toFixed(r.value < 10 ? 3 : 1)} ${r.unit}`;
    const b = `${r.baselineValue.toFixed(r.baselineValue < 10 ? 3 : 1)} ${r.unit}`;
    console.log(`${r.name.padEnd(48)} ${v.padStart(14)}   vs ${r.baseline}: ${b.padStart(14)}   ratio ${r.ratio.toFixed(2)}`);
  }
}
