/**
 * Chart building blocks for the HTML reports: Vega-Lite specs from plain rows, downsampling so
 * long series stay small, and server-side rendering to SVG with Vega (no browser, no network).
 */
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };

/** How a bucket of rows collapses into one value of a field. */
export type Aggregate = 'max' | 'min' | 'mean' | 'last';

/** A chart row: a time in ms (`t`) and numeric fields, null where unknown. */
export type ChartRow = { t: number } & Record<string, number | null>;

/** Above this many points a line is downsampled; keeps each SVG path in the tens of kilobytes. */
export const MAX_POINTS_PER_LINE = 2000;

export const CHART_WIDTH = 860;
export const CHART_HEIGHT = 220;

/**
 * Collapses rows into at most `maxPoints` buckets of consecutive rows. Each field uses its own
 * aggregate (demand keeps the bucket's max so a one-step spike is still drawn); fields without
 * one use 'mean'. A bucket's time is its first row's time. Nulls are ignored; all-null gives null.
 */
export function downsampleRows(rows: readonly ChartRow[], maxPoints: number, aggregates: Record<string, Aggregate>): ChartRow[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError(`maxPoints must be a positive integer, got ${maxPoints}`);
  if (rows.length <= maxPoints) return rows.map((r) => ({ ...r }));
  const size = Math.ceil(rows.length / maxPoints);
  const fields = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) if (key !== 't') fields.add(key);
  const out: ChartRow[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const bucket = rows.slice(start, start + size);
    const merged: ChartRow = { t: bucket[0]!.t };
    for (const field of fields) merged[field] = aggregate(bucket.map((r) => r[field]), aggregates[field] ?? 'mean');
    out.push(merged);
  }
  return out;
}

function aggregate(values: (number | null | undefined)[], how: Aggregate): number | null {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (present.length === 0) return null;
  switch (how) {
    case 'max':
      return present.reduce((a, b) => (b > a ? b : a), -Infinity);
    case 'min':
      return present.reduce((a, b) => (b < a ? b : a), Infinity);
    case 'mean':
      return present.reduce((a, b) => a + b, 0) / present.length;
    case 'last':
      return present[present.length - 1]!;
  }
}

/** Long-format rows (one per time × series name), downsampled per series name. */
export function downsampleLong(
  rows: readonly { t: number; series: string; value: number | null }[],
  maxPointsPerSeries: number,
  how: Aggregate,
): { t: number; series: string; value: number | null }[] {
  const bySeries = new Map<string, ChartRow[]>();
  for (const row of rows) {
    let list = bySeries.get(row.series);
    if (!list) bySeries.set(row.series, (list = []));
    list.push({ t: row.t, value: row.value });
  }
  const out: { t: number; series: string; value: number | null }[] = [];
  for (const [series, list] of bySeries) {
    for (const r of downsampleRows(list, maxPointsPerSeries, { value: how })) out.push({ t: r.t, series, value: r['value'] ?? null });
  }
  return out;
}

/** Parses an ISO time for a chart axis, naming the field when it is not a time. */
export function timeMs(iso: string, where: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${where}: expected an ISO 8601 time, got ${JSON.stringify(iso)}`);
  return ms;
}

const BASE_CONFIG = {
  background: 'white',
  font: 'sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eee' },
  legend: { orient: 'top', labelFontSize: 11, titleFontSize: 11, labelLimit: 360 },
} as const;

/** Fills in the size, config and UTC time axis every report chart shares. */
export function baseSpec(spec: Record<string, unknown>): TopLevelSpec {
  return { width: CHART_WIDTH, height: CHART_HEIGHT, config: BASE_CONFIG, ...spec } as unknown as TopLevelSpec;
}

/** The x encoding for ms timestamps, shown in UTC so a report reads the same on any machine. */
export const TIME_X = { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { labelOverlap: true, format: '%b %d %H:%M' } } as const;

type VegaModule = typeof import('vega', { with: { 'resolution-mode': 'import' } });
type VegaLiteModule = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });

let modules: Promise<[VegaModule, VegaLiteModule]> | undefined;

/** vega and vega-lite are ESM with top-level await, so they load through import(), once. */
function loadVega(): Promise<[VegaModule, VegaLiteModule]> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  return modules;
}

/**
 * Compiles a Vega-Lite spec to Vega and renders it headless to an SVG string. Warnings from
 * either library go to `warnings` (not the console, which may be a JSON log stream).
 */
export async function renderSvg(spec: TopLevelSpec, warnings: string[] = []): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  const collect = (...args: readonly unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  const logger = {
    level: (..._: unknown[]) => logger,
    error: (...args: unknown[]) => (collect('error:', ...args), logger),
    warn: (...args: unknown[]) => (collect(...args), logger),
    info: () => logger,
    debug: () => logger,
  };
  const compiled = vegaLite.compile(spec, { logger: logger as never }).spec;
  // A loader that refuses everything: report data is inline, so any fetch would be a bug.
  const loader = vega.loader();
  loader.load = async (uri: string) => {
    throw new Error(`chart tried to load ${uri}; report charts must use inline data only`);
  };
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader, logger: logger as never });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
