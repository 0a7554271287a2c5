/** One measured figure, with the target it is held to (if any) and whether it met it. */
export type Metric = {
  name: string;
  value: number;
  unit: string;
  /** e.g. "<= 60000"; absent when the figure is informational. */
  target?: string;
  pass?: boolean;
  notes?: string;
};

export type BenchResult = {
  area: string;
  /** File name under bench/results/ without `.json` (default: the area), for a variant run (e.g. perception.pglite). */
  resultName?: string;
  /** ISO time the run finished. */
  finishedAt?: string;
  machine?: { cpus: number; node: string; platform: string };
  metrics: Metric[];
  /** Free-form tables (e.g. gas per operation) for the README. */
  tables?: Record<string, Array<Record<string, string | number>>>;
};

/** Builds a metric held to `value <= max`. */
export function atMost(name: string, value: number, unit: string, max: number, notes?: string): Metric {
  return { name, value, unit, target: `<= ${max}`, pass: value <= max, ...(notes ? { notes } : {}) };
}

/** Builds a metric held to `value >= min`. */
export function atLeast(name: string, value: number, unit: string, min: number, notes?: string): Metric {
  return { name, value, unit, target: `>= ${min}`, pass: value >= min, ...(notes ? { notes } : {}) };
}

/** The p-th percentile (0..100) of `values` by nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
