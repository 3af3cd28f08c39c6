/**
 * Self-contained HTML reports (one file, no scripts, fonts or data fetched when opened): what a
 * replay's controller decided and what it cost, and how the forecasting models back-tested.
 * Charts are Vega-Lite specs rendered to inline SVG on the server (see charts.ts).
 */
import type { ReplayResult, ReplayStep } from '../replay-types';
import { inputError } from '../errors';
import {
  type ChartRow,
  MAX_POINTS_PER_LINE,
  TIME_X,
  baseSpec,
  downsampleLong,
  downsampleRows,
  renderSvg,
  timeMs,
} from './charts';

export interface ReplayReportInput {
  title: string;
  /** Where the numbers came from: the trace file and the command that produced them. */
  source: string;
  primary: ReplayResult;
  references: ReplayResult[];
  /** Receives chart-library warnings (a spec or data the charts could not draw as asked). */
  onWarning?: (message: string) => void;
}

export interface BacktestOrigin {
  /** Grid index of the first forecast step. */
  origin: number;
  /** ISO time of the first forecast step. */
  time: string;
  /** quantiles["0.95"][h] is the 0.95 quantile h steps after the origin. */
  quantiles: Record<string, number[]>;
  actuals: (number | null)[];
}

export interface BacktestScore {
  pinball: number;
  mase: number;
  /** Observed coverage per quantile level, e.g. {"0.95": 0.94}. */
  coverage: Record<string, number>;
}

export interface BacktestReportInput {
  title: string;
  source: string;
  stepMs: number;
  series: { t: string; value: number | null }[];
  origins: BacktestOrigin[];
  scores: Record<string, BacktestScore>;
  /** The model the selection kept. */
  selected: string;
  onWarning?: (message: string) => void;
}

/** Decisions listed in full up to this many; the rest are counted, since jsonl has them all. */
export const MAX_DECISION_ROWS = 500;

/** Total forecast points drawn over all origins of a backtest chart. */
const MAX_BACKTEST_FORECAST_POINTS = 4000;

// ---------------------------------------------------------------------------------------------
// Text

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function formatNumber(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function formatValue(value: number | string): string {
  return typeof value === 'number' ? formatNumber(value, 4) : value;
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

// ---------------------------------------------------------------------------------------------
// Page

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 960px; color: #222; padding: 0 16px; }
h1 { font-size: 1.5em; margin-bottom: 4px; }
h2 { font-size: 1.15em; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.source { background: #f6f8fa; padding: 8px 10px; border-radius: 4px; font-family: ui-monospace, monospace; font-size: 0.85em; white-space: pre-wrap; word-break: break-all; }
figure { margin: 12px 0 20px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; color: #555; margin-top: 4px; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.selected td { background: #eef6ee; font-weight: 600; }
.note { color: #666; font-size: 0.9em; }
code { font-family: ui-monospace, monospace; }
`;

function page(title: string, source: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // No network, ever: the page holds everything and the policy says so to the browser too.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<div class="source" data-source>${escapeHtml(source)}</div>`,
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function figure(name: string, svg: string, caption: string): string {
  return `<figure data-chart="${escapeHtml(name)}">\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`;
}

function emptyFigure(name: string, why: string): string {
  return `<figure data-chart="${escapeHtml(name)}" data-empty="true"><p class="note">${escapeHtml(why)}</p></figure>`;
}

function table(name: string, headers: string[], rows: { cells: { html: string; numeric?: boolean }[]; className?: string }[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => `<tr${r.className ? ` class="${escapeHtml(r.className)}"` : ''}>${r.cells.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.html}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table data-table="${escapeHtml(name)}">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

// ---------------------------------------------------------------------------------------------
// Replay report

/** Names in legends must be unique; a reference with the primary's name gets a suffix. */
function uniqueControllerNames(results: ReplayResult[]): string[] {
  const seen = new Map<string, number>();
  return results.map((r) => {
    const base = r.controller || 'controller';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

function validateReplay(result: ReplayResult, where: string): void {
  if (!Array.isArray(result.steps) || result.steps.length === 0) throw inputError('report.empty-replay', { field: `${where}.steps` }, 'expected at least one step');
  if (!(result.capacityPerVm > 0)) throw inputError('report.bad-capacity', { field: `${where}.capacityPerVm` }, `expected a positive number, got ${result.capacityPerVm}`);
  if (!(result.stepMs > 0)) throw inputError('report.bad-step', { field: `${where}.stepMs` }, `expected a positive number of ms, got ${result.stepMs}`);
  result.steps.forEach((s, i) => {
    timeMs(s.t, `${where}.steps[${i}].t`);
    // A gap in the history is a step without demand (NaN); every count and cost is still a number.
    for (const field of ['demand', 'running', 'suspended', 'stopped', 'cost'] as const) {
      if (typeof s[field] !== 'number' || (field !== 'demand' && Number.isNaN(s[field]))) {
        throw inputError('report.bad-step-value', { field: `${where}.steps[${i}].${field}` }, `expected a number, got ${JSON.stringify(s[field])}`);
      }
    }
  });
}

/** A gap (NaN) as a missing point in a chart. */
function known(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function demandChartSpec(steps: ReplayStep[]) {
  const rows: ChartRow[] = steps.map((s) => ({
    t: Date.parse(s.t),
    demand: known(s.demand),
    p50: s.forecastP50 ?? null,
    p95: s.forecastP95 ?? null,
  }));
  const data = downsampleRows(rows, MAX_POINTS_PER_LINE, { demand: 'max', p50: 'mean', p95: 'max' });
  const hasP50 = data.some((r) => r['p50'] !== null);
  const hasP95 = data.some((r) => r['p95'] !== null);
  const names = ['demand', ...(hasP50 ? ['forecast median'] : []), ...(hasP50 && hasP95 ? ['forecast 0.5–0.95'] : [])];
  const color = { scale: { domain: names, range: ['#1f2937', '#2563eb', '#93c5fd'].slice(0, names.length) }, title: null };
  const layers: Record<string, unknown>[] = [];
  if (hasP50 && hasP95) {
    layers.push({
      mark: { type: 'area', opacity: 0.45 },
      encoding: { x: TIME_X, y: { field: 'p50', type: 'quantitative' }, y2: { field: 'p95' }, color: { datum: 'forecast 0.5–0.95', ...color } },
    });
  }
  layers.push({
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: { x: TIME_X, y: { field: 'demand', type: 'quantitative', title: 'demand' }, color: { datum: 'demand', ...color } },
  });
  if (hasP50) {
    layers.push({
      mark: { type: 'line', strokeWidth: 1.2, strokeDash: [5, 3] },
      encoding: { x: TIME_X, y: { field: 'p50', type: 'quantitative' }, color: { datum: 'forecast median', ...color } },
    });
  }
  return { spec: baseSpec({ data: { values: data }, layer: layers }), hasForecast: hasP50 };
}

function fleetChartSpec(result: ReplayResult) {
  const rows: ChartRow[] = result.steps.map((s) => ({
    t: Date.parse(s.t),
    running: s.running,
    suspended: s.suspended,
    stopped: s.stopped,
    needed: known(s.demand / result.capacityPerVm),
  }));
  const data = downsampleRows(rows, MAX_POINTS_PER_LINE, { running: 'max', suspended: 'max', stopped: 'max', needed: 'max' });
  const states = ['running', 'suspended', 'stopped'];
  const neededName = 'demand ÷ capacity per VM';
  const color = { scale: { domain: [...states, neededName], range: ['#16a34a', '#f59e0b', '#9ca3af', '#dc2626'] }, title: null };
  return baseSpec({
    data: { values: data },
    layer: [
      {
        transform: [
          { fold: states, as: ['state', 'vms'] },
          { calculate: `indexof(${JSON.stringify(states)}, datum.state)`, as: 'stackOrder' },
        ],
        mark: { type: 'area', interpolate: 'step-after', opacity: 0.8 },
        encoding: {
          x: TIME_X,
          y: { field: 'vms', type: 'quantitative', stack: 'zero', title: 'VMs' },
          color: { field: 'state', type: 'nominal', ...color },
          order: { field: 'stackOrder', type: 'quantitative' },
        },
      },
      {
        mark: { type: 'line', strokeWidth: 1.3 },
        encoding: { x: TIME_X, y: { field: 'needed', type: 'quantitative' }, color: { datum: neededName, ...color } },
      },
    ],
  });
}

function weightsChartSpec(steps: ReplayStep[]) {
  const long: { t: number; series: string; value: number | null }[] = [];
  for (const s of steps) {
    if (!s.weights) continue;
    const t = Date.parse(s.t);
    for (const [generation, weight] of Object.entries(s.weights)) long.push({ t, series: generation, value: weight });
  }
  if (long.length === 0) return undefined;
  const data = downsampleLong(long, MAX_POINTS_PER_LINE, 'mean');
  return baseSpec({
    data: { values: data },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
    encoding: {
      x: TIME_X,
      y: { field: 'value', type: 'quantitative', title: 'URL-map weight (of 1000)', scale: { domain: [0, 1000] } },
      color: { field: 'series', type: 'nominal', title: 'generation' },
    },
  });
}

/**
 * The oracle runs ceil(demand / capacity) VMs at every step, so its cost per step is proportional
 * to that count; scaling to the summary's oracle cost keeps whatever prices the replay used.
 */
export function oracleCumulativeCost(result: ReplayResult): number[] {
  // Scored like the summary: from the end of the warm-up, and a gap step (no demand) not at all.
  const warmup = scoredFrom(result);
  const vms = result.steps.map((s, i) => (i >= warmup && Number.isFinite(s.demand) ? Math.ceil(Math.max(0, s.demand) / result.capacityPerVm) : 0));
  const totalVms = vms.reduce((a, b) => a + b, 0);
  const perVm = totalVms > 0 ? result.summary.oracleCost / totalVms : 0;
  let sum = 0;
  return vms.map((n) => (sum += n * perVm));
}

function cumulative(values: number[]): number[] {
  let sum = 0;
  return values.map((v) => (sum += v));
}

/** The first scored step: the warm-up before it is run by the reactive fallback, not scored. */
function scoredFrom(result: ReplayResult): number {
  const w = Number(result.summary['warmupSteps'] ?? 0);
  return Number.isFinite(w) && w > 0 ? w : 0;
}

/** A controller's cumulative cost as the summary counts it: scored steps with demand. */
function scoredCumulativeCost(result: ReplayResult): number[] {
  const warmup = scoredFrom(result);
  return cumulative(result.steps.map((s, i) => (i >= warmup && Number.isFinite(s.demand) ? s.cost : 0)));
}

function costChartSpec(results: ReplayResult[], names: string[]) {
  const long: { t: number; series: string; value: number | null }[] = [];
  const oracle = oracleCumulativeCost(results[0]!);
  const from = scoredFrom(results[0]!);
  results[0]!.steps.forEach((s, i) => { if (i >= from) long.push({ t: Date.parse(s.t), series: 'oracle', value: oracle[i]! }); });
  results.forEach((r, k) => {
    const cum = scoredCumulativeCost(r);
    const start = scoredFrom(r);
    r.steps.forEach((s, i) => { if (i >= start) long.push({ t: Date.parse(s.t), series: names[k]!, value: cum[i]! }); });
  });
  // Cumulative cost only grows, so a bucket's last value is its max and the line stays exact at bucket ends.
  const data = downsampleLong(long, MAX_POINTS_PER_LINE, 'last');
  return baseSpec({
    data: { values: data },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: TIME_X,
      y: { field: 'value', type: 'quantitative', title: 'cumulative cost (price units)' },
      color: { field: 'series', type: 'nominal', title: 'controller', scale: { domain: ['oracle', ...names] } },
      strokeDash: { condition: { test: "datum.series === 'oracle'", value: [4, 3] }, value: [1, 0] },
    },
  });
}

function summaryTable(results: ReplayResult[], names: string[]): string {
  return table(
    'summary',
    ['controller', 'steps', 'served %', 'cost', 'oracle cost', 'cost ÷ oracle', 'short steps'],
    results.map((r, k) => ({
      className: k === 0 ? 'selected' : undefined,
      cells: [
        { html: escapeHtml(names[k]) + (k === 0 ? ' <span class="note">(this run)</span>' : '') },
        { html: escapeHtml(formatNumber(r.summary.steps, 0)), numeric: true },
        { html: escapeHtml(formatNumber(r.summary.servedPct, 3)), numeric: true },
        { html: escapeHtml(formatNumber(r.summary.cost, 2)), numeric: true },
        { html: escapeHtml(formatNumber(r.summary.oracleCost, 2)), numeric: true },
        { html: escapeHtml(formatNumber(r.summary.costVsOracle, 3)), numeric: true },
        { html: escapeHtml(formatNumber(r.summary.shortSteps, 0)), numeric: true },
      ],
    })),
  );
}

function decisionsTable(decisions: ReplayResult['decisions']): string {
  if (decisions.length === 0) return '<p class="note" data-table="decisions">The controller made no decisions.</p>';
  const shown = decisions.slice(0, MAX_DECISION_ROWS);
  const html = table(
    'decisions',
    ['time', 'code', 'workload', 'generation', 'message', 'numbers'],
    shown.map((d) => ({
      cells: [
        { html: `<code>${escapeHtml(d.t)}</code>` },
        { html: `<code>${escapeHtml(d.code)}</code>` },
        { html: escapeHtml(d.workload) },
        { html: escapeHtml(d.generation ?? '') },
        { html: escapeHtml(d.message) },
        {
          html: Object.entries(d.numbers ?? {})
            .map(([k, v]) => `${escapeHtml(k)}=<code>${escapeHtml(formatValue(v))}</code>`)
            .join('<br>'),
        },
      ],
    })),
  );
  const omitted = decisions.length - shown.length;
  return omitted > 0 ? `${html}\n<p class="note">${escapeHtml(`The first ${shown.length} of ${decisions.length} decisions are listed; the ${omitted} later ones are not.`)}</p>` : html;
}

/** One HTML file: demand and forecast, fleet sizes, weights, cost against oracle and references, decisions. */
export async function renderReplayReport(input: ReplayReportInput): Promise<string> {
  validateReplay(input.primary, 'primary');
  input.references.forEach((r, i) => validateReplay(r, `references[${i}]`));
  const results = [input.primary, ...input.references];
  const names = uniqueControllerNames(results);
  const primary = input.primary;

  const demand = demandChartSpec(primary.steps);
  const weightsSpec = weightsChartSpec(primary.steps);
  const warnings: string[] = [];
  const [demandSvg, fleetSvg, weightsSvg, costSvg] = await Promise.all([
    renderSvg(demand.spec, warnings),
    renderSvg(fleetChartSpec(primary), warnings),
    weightsSpec ? renderSvg(weightsSpec, warnings) : Promise.resolve(undefined),
    renderSvg(costChartSpec(results, names), warnings),
  ]);
  for (const w of warnings) input.onWarning?.(w);

  const first = primary.steps[0]!.t;
  const last = primary.steps[primary.steps.length - 1]!.t;
  const downsampled = primary.steps.length > MAX_POINTS_PER_LINE;
  const warmup = scoredFrom(primary);
  const gaps = Number(primary.summary['gapSteps'] ?? 0);
  const scoredNote = `${warmup ? ` The first ${formatNumber(warmup, 0)} steps are the warm-up, run by the reactive fallback and not scored: the summary and the cost chart start after it.` : ''}${gaps > 0 ? ` ${formatNumber(gaps, 0)} scored steps have no demand (gaps): their cost (${formatNumber(Number(primary.summary['gapCost'] ?? 0), 2)}) is left out of the cost and its ratio to the oracle, which has nothing to serve there.` : ''}`;
  const body = [
    `<p>Controller <strong>${escapeHtml(names[0])}</strong>: ${escapeHtml(formatNumber(primary.steps.length, 0))} steps of ${escapeHtml(formatDuration(primary.stepMs))} from <code>${escapeHtml(first)}</code> to <code>${escapeHtml(last)}</code>, ${escapeHtml(formatNumber(primary.capacityPerVm, 4))} demand units per VM.${escapeHtml(scoredNote)}${downsampled ? ` Charts show at most ${MAX_POINTS_PER_LINE} points per line (demand and VM counts keep each bucket's maximum).` : ''}</p>`,
    '<h2>Summary</h2>',
    summaryTable(results, names),
    '<h2>Demand and forecast</h2>',
    figure('demand', demandSvg, demand.hasForecast ? 'Demand with the forecast the controller used: median (dashed) and the band from the median to the 0.95 quantile.' : 'Demand. This controller used no forecast.'),
    '<h2>Fleet</h2>',
    figure('fleet', fleetSvg, 'VMs the controller asked for, stacked by state (running, suspended, stopped), under the VMs demand needs (demand ÷ capacity per VM).'),
    '<h2>Traffic weights</h2>',
    weightsSvg ? figure('weights', weightsSvg, 'URL-map weight per generation (weights of a workload sum to 1000).') : emptyFigure('weights', 'No step split traffic across generations (one served all of it), so there are no weights to show.'),
    '<h2>Cost</h2>',
    figure('cost', costSvg, 'Cumulative cost of this run and the reference controllers against the oracle (ceil(demand ÷ capacity) running VMs, no latency; dashed), over the scored steps as the summary counts them.'),
    `<h2>Decisions (${escapeHtml(formatNumber(primary.decisions.length, 0))})</h2>`,
    decisionsTable(primary.decisions),
  ].join('\n');
  return page(input.title, input.source, body);
}

// ---------------------------------------------------------------------------------------------
// Backtest report

function levelOf(key: string): number {
  return Number(key);
}

/** The band drawn around the median: the 0.95 quantile above, its mirror (0.05) below if present. */
function bandKeys(keys: string[]): { median: string; lower?: string; upper?: string } | undefined {
  const levels = keys.filter((k) => Number.isFinite(levelOf(k)));
  const median = levels.find((k) => levelOf(k) === 0.5);
  if (!median) return undefined;
  const upper = levels.find((k) => Math.abs(levelOf(k) - 0.95) < 1e-9) ?? levels.filter((k) => levelOf(k) > 0.5).sort((a, b) => levelOf(b) - levelOf(a))[0];
  const lower = upper ? levels.find((k) => Math.abs(levelOf(k) - (1 - levelOf(upper))) < 1e-9) : undefined;
  return { median, lower, upper };
}

function validateBacktest(input: BacktestReportInput): { median: string; lower?: string; upper?: string } {
  if (!(input.stepMs > 0)) throw inputError('report.bad-step', { field: 'stepMs' }, `expected a positive number of ms, got ${input.stepMs}`);
  if (!Array.isArray(input.series) || input.series.length === 0) throw inputError('report.empty-series', { field: 'series' }, 'expected at least one point');
  input.series.forEach((p, i) => {
    timeMs(p.t, `series[${i}].t`);
    if (p.value !== null && typeof p.value !== 'number') throw inputError('report.bad-value', { field: `series[${i}].value` }, `expected a number or null, got ${JSON.stringify(p.value)}`);
  });
  let keys: ReturnType<typeof bandKeys>;
  input.origins.forEach((o, i) => {
    timeMs(o.time, `origins[${i}].time`);
    const band = bandKeys(Object.keys(o.quantiles));
    if (!band) throw inputError('report.no-median', { field: `origins[${i}].quantiles` }, `expected a "0.5" quantile, got keys ${JSON.stringify(Object.keys(o.quantiles))}`);
    keys ??= band;
    for (const k of [band.median, band.lower, band.upper]) {
      if (k && !Array.isArray(o.quantiles[k])) throw inputError('report.bad-quantile', { field: `origins[${i}].quantiles["${k}"]` }, 'expected an array of numbers');
    }
  });
  if (!input.scores[input.selected]) {
    throw inputError('report.unknown-selected', { field: 'selected' }, `expected one of the scored models ${JSON.stringify(Object.keys(input.scores))}, got ${JSON.stringify(input.selected)}`);
  }
  return keys ?? { median: '0.5' };
}

function backtestChartSpec(input: BacktestReportInput, band: { median: string; lower?: string; upper?: string }) {
  const actualRows: ChartRow[] = input.series.map((p) => ({ t: Date.parse(p.t), actual: p.value }));
  const actual = downsampleRows(actualRows, MAX_POINTS_PER_LINE, { actual: 'max' });
  const perOrigin = Math.max(10, Math.floor(MAX_BACKTEST_FORECAST_POINTS / Math.max(1, input.origins.length)));
  const forecast: Record<string, number | string | null>[] = [];
  for (const o of input.origins) {
    const start = Date.parse(o.time);
    const median = o.quantiles[band.median]!;
    const rows: ChartRow[] = median.map((m, h) => ({
      t: start + h * input.stepMs,
      p50: Number.isFinite(m) ? m : null,
      lo: band.lower ? (o.quantiles[band.lower]![h] ?? null) : null,
      hi: band.upper ? (o.quantiles[band.upper]![h] ?? null) : null,
    }));
    for (const r of downsampleRows(rows, perOrigin, { p50: 'mean', lo: 'min', hi: 'max' })) forecast.push({ ...r, origin: `origin ${o.origin}` });
  }
  const bandName = band.upper ? `forecast ${band.lower ?? band.median}–${band.upper}` : undefined;
  const domain = ['actual', 'forecast median', ...(bandName ? [bandName] : [])];
  const color = { scale: { domain, range: ['#1f2937', '#2563eb', '#93c5fd'].slice(0, domain.length) }, title: null };
  const layers: Record<string, unknown>[] = [];
  if (bandName) {
    layers.push({
      data: { values: forecast },
      mark: { type: 'area', opacity: 0.45 },
      encoding: {
        x: TIME_X,
        y: { field: band.lower ? 'lo' : 'p50', type: 'quantitative' },
        y2: { field: 'hi' },
        detail: { field: 'origin', type: 'nominal' },
        color: { datum: bandName, ...color },
      },
    });
  }
  layers.push({
    data: { values: actual },
    mark: { type: 'line', strokeWidth: 1.1 },
    encoding: { x: TIME_X, y: { field: 'actual', type: 'quantitative', title: 'value' }, color: { datum: 'actual', ...color } },
  });
  layers.push({
    data: { values: forecast },
    mark: { type: 'line', strokeWidth: 1.3 },
    encoding: { x: TIME_X, y: { field: 'p50', type: 'quantitative' }, detail: { field: 'origin', type: 'nominal' }, color: { datum: 'forecast median', ...color } },
  });
  return { spec: baseSpec({ layer: layers }), bandName };
}

function scoresTable(input: BacktestReportInput): string {
  const levels = [...new Set(Object.values(input.scores).flatMap((s) => Object.keys(s.coverage ?? {})))].sort((a, b) => levelOf(a) - levelOf(b));
  const models = Object.entries(input.scores).sort(([, a], [, b]) => a.pinball - b.pinball);
  return table(
    'scores',
    ['model', 'pinball loss', 'MASE', ...levels.map((l) => `coverage of ${l}`)],
    models.map(([model, s]) => ({
      className: model === input.selected ? 'selected' : undefined,
      cells: [
        { html: escapeHtml(model) + (model === input.selected ? ' <span class="note">(selected)</span>' : '') },
        { html: escapeHtml(formatNumber(s.pinball, 4)), numeric: true },
        { html: escapeHtml(formatNumber(s.mase, 3)), numeric: true },
        ...levels.map((l) => ({ html: s.coverage?.[l] === undefined ? '' : escapeHtml(formatNumber(s.coverage[l]!, 3)), numeric: true })),
      ],
    })),
  );
}

/** One HTML file: the series with each backtest origin's median and band, and the score table. */
export async function renderBacktestReport(input: BacktestReportInput): Promise<string> {
  const band = validateBacktest(input);
  const chart = backtestChartSpec(input, band);
  const warnings: string[] = [];
  const svg = await renderSvg(chart.spec, warnings);
  for (const w of warnings) input.onWarning?.(w);
  const body = [
    `<p>${escapeHtml(formatNumber(input.series.length, 0))} points of ${escapeHtml(formatDuration(input.stepMs))}, ${escapeHtml(formatNumber(input.origins.length, 0))} backtest origins. Selected model: <strong>${escapeHtml(input.selected)}</strong>.</p>`,
    '<h2>Scores</h2>',
    scoresTable(input),
    '<p class="note">Lower pinball loss and MASE are better; a coverage close to its level means the quantile is calibrated.</p>',
    '<h2>Backtest</h2>',
    figure('backtest', svg, chart.bandName ? `Actuals and, from each origin, the forecast median and the ${chart.bandName.replace('forecast ', '')} band.` : 'Actuals and, from each origin, the forecast median.'),
  ].join('\n');
  return page(input.title, input.source, body);
}
