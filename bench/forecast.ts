/**
 * Forecast accuracy on every trace in bench/traces.ts, at 1 h and 24 h horizons (in steps of the
 * trace's step after resampling). For each trace and horizon a rolling-origin backtest over the
 * last 30 % of the trace compares seasonal naive, every single model, and the per-origin
 * selection (chosen from data before each origin only). Run alone:
 *   node --import tsx bench/forecast.ts [--horizon 1h|24h] [trace-id ...]
 * The opt-in Prophet candidate is measured apart (it is slow), at 1 h only:
 *   node --import tsx bench/forecast.ts --prophet [trace-id ...]
 */
import { backtest, SELECTED, BASELINE_MODEL, DEFAULT_MODELS, detectPeriods, prepareModels } from '../forecaster';
import { prophetModel } from '../forecaster/models/prophet';
import { fillGapsForModel } from '../forecaster/series';
import { readHistoryFile } from '../forecaster/sources/files';
import { BENCH_TRACES, tracePath, type BenchTrace } from './traces';

const QUANTILES = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
/** Origins per backtest, at least. */
const MIN_ORIGINS = 60;
/**
 * Scored (origin, lead) points wanted per backtest. A 0.95 coverage measured on n independent
 * points has a standard error of sqrt(0.95 * 0.05 / n): with a 1-step horizon and 60 origins
 * that is 0.028, so even a perfectly calibrated forecaster would land outside 0.93-0.97 about
 * a third of the time. Short horizons therefore get more origins (as many as the last 30 % of the
 * trace holds), long ones keep the minimum (their leads already give hundreds of points).
 */
const SCORED_POINTS = 720;

export function originsFor(horizon: number): number {
  return Math.max(MIN_ORIGINS, Math.ceil(SCORED_POINTS / horizon));
}
const HORIZONS_MS = [3_600_000, 86_400_000];

export interface ForecastBenchRow {
  trace: string;
  horizonSteps: number;
  horizonText: string;
  /** Origins actually scored. */
  origins: number;
  naive: number;
  bestSingle: { model: string; pinball: number };
  selected: number;
  ratio: number;
  coverage95: number;
  seconds: number;
  /** Every candidate's pinball and 0.95 coverage, for diagnosis. */
  candidates: Record<string, { pinball: number; coverage95: number }>;
  /** Where the selected 0.95 quantile's misses fall, origin by origin. */
  misses: MissConcentration;
}

/**
 * The longest run of consecutive origins whose own 0.95 coverage is under the band, with its
 * share of the misses and the coverage of the other origins: whether a coverage figure outside
 * the band is spread over the trace or one event that the origins before it could not know of.
 */
export interface MissConcentration {
  origins: number;
  firstTime: string;
  lastTime: string;
  /** Coverage of the run's own points. */
  coverage: number;
  /** Share of all misses the run holds. */
  share: number;
  /** Coverage of the other origins. */
  restCoverage: number;
}

export function missConcentration(origins: { time: string; quantiles: Record<string, number[]>; actuals: (number | null)[] }[], below = 0.93): MissConcentration {
  const per = origins.map((o) => {
    const q = o.quantiles['0.95']!;
    let n = 0;
    let missed = 0;
    o.actuals.forEach((a, h) => {
      if (a === null) return;
      n++;
      if (a > q[h]!) missed++;
    });
    return { n, missed };
  });
  let best = { from: 0, to: 0 };
  for (let i = 0; i < per.length; ) {
    if (!(per[i]!.n && per[i]!.missed / per[i]!.n > 1 - below)) { i++; continue; }
    let j = i;
    while (j < per.length && per[j]!.n && per[j]!.missed / per[j]!.n > 1 - below) j++;
    if (j - i > best.to - best.from) best = { from: i, to: j };
    i = j;
  }
  const sum = (xs: typeof per, f: (o: (typeof per)[number]) => number) => xs.reduce((s, o) => s + f(o), 0);
  const run = per.slice(best.from, best.to);
  const rest = [...per.slice(0, best.from), ...per.slice(best.to)];
  const total = sum(per, (o) => o.missed);
  return {
    origins: run.length,
    firstTime: run.length ? origins[best.from]!.time : '',
    lastTime: run.length ? origins[best.to - 1]!.time : '',
    coverage: run.length ? 1 - sum(run, (o) => o.missed) / sum(run, (o) => o.n) : NaN,
    share: total ? sum(run, (o) => o.missed) / total : 0,
    restCoverage: 1 - sum(rest, (o) => o.missed) / sum(rest, (o) => o.n),
  };
}

export async function benchTrace(t: BenchTrace, horizonMs: number): Promise<ForecastBenchRow> {
  const { series } = await readHistoryFile({ file: tracePath(t), valueColumn: t.valueColumn, timeColumn: t.timeColumn, stepMs: t.stepMs, resampleMs: t.resampleMs });
  const horizon = Math.max(1, Math.round(horizonMs / series.stepMs));
  const started = performance.now();
  const result = await backtest(series, { horizon, origins: originsFor(horizon), quantiles: QUANTILES });
  const singles = Object.entries(result.scores).filter(([name]) => name !== SELECTED).sort((a, b) => a[1].pinball - b[1].pinball);
  const naive = result.scores[BASELINE_MODEL]!.pinball;
  const selected = result.scores[SELECTED]!;
  return {
    trace: t.id,
    horizonSteps: horizon,
    horizonText: horizonMs === 3_600_000 ? '1h' : '24h',
    origins: result.origins.length,
    naive,
    bestSingle: { model: singles[0]![0], pinball: singles[0]![1].pinball },
    selected: selected.pinball,
    ratio: selected.pinball / naive,
    coverage95: selected.coverage['0.95']!,
    seconds: (performance.now() - started) / 1000,
    candidates: Object.fromEntries(Object.entries(result.scores).map(([name, sc]) => [name, { pinball: sc.pinball, coverage95: sc.coverage['0.95']! }])),
    misses: missConcentration(result.origins),
  };
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

export function renderForecastBench(rows: ForecastBenchRow[]): string {
  const lines = [
    '## Forecast accuracy (rolling-origin backtest)',
    '',
    `Command: \`node --import tsx bench/forecast.ts\`. Origins spread over the last 30 % of each trace: ${MIN_ORIGINS}, or ${SCORED_POINTS} ÷ horizon steps when that is more (as many as fit),`,
    `so that each coverage figure rests on at least ~${SCORED_POINTS} scored points (column "origins"); quantiles ${QUANTILES.join(', ')};`,
    'pinball = mean pinball loss over those quantiles and the horizon (units of the trace). "selected" is the model chosen at each origin',
    'from an inner backtest on data before that origin; coverage 0.95 = share of actuals at or below the selected 0.95 quantile.',
    '',
    '| trace | horizon | origins | seasonal-naive pinball | best single model pinball | selected pinball | selected / naive | coverage 0.95 | seconds |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.trace} | ${r.horizonText} (${r.horizonSteps} steps) | ${r.origins} | ${fmt(r.naive)} | ${fmt(r.bestSingle.pinball)} (${r.bestSingle.model}) | ${fmt(r.selected)} | ${r.ratio.toFixed(3)} | ${r.coverage95.toFixed(3)} | ${r.seconds.toFixed(1)} |`);
  }
  for (const h of ['1h', '24h']) {
    const sub = rows.filter((r) => r.horizonText === h);
    if (!sub.length) continue;
    const mean = sub.reduce((s, r) => s + r.ratio, 0) / sub.length;
    const worst = sub.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const covOut = sub.filter((r) => r.coverage95 < 0.93 || r.coverage95 > 0.97).map((r) => `${r.trace} ${r.coverage95.toFixed(3)}`);
    lines.push('', `${h}: mean selected/naive ${mean.toFixed(3)} (target <= 0.900: ${mean <= 0.9 ? 'met' : 'MISSED'}); worst ${worst.trace} ${worst.ratio.toFixed(3)} (target <= 1.020: ${worst.ratio <= 1.02 ? 'met' : 'MISSED'}); coverage 0.95 outside 0.93-0.97: ${covOut.length ? covOut.join(', ') + ' (MISSED)' : 'none (met)'}.`);
  }
  const outside = rows.filter((r) => r.coverage95 < 0.93 || r.coverage95 > 0.97);
  if (outside.length) {
    lines.push('', 'Where the misses of a coverage figure outside 0.93-0.97 fall: the longest run of consecutive origins each covering less than 0.93, its share of the misses, and the coverage of the other origins:', '');
    for (const r of outside) {
      const m = r.misses;
      lines.push(m.origins
        ? `- ${r.trace} ${r.horizonText}: ${m.origins} of ${r.origins} origins in a row (${m.firstTime} to ${m.lastTime}) cover ${m.coverage.toFixed(3)} and hold ${(100 * m.share).toFixed(0)} % of the misses; the other ${r.origins - m.origins} origins cover ${m.restCoverage.toFixed(3)}.`
        : `- ${r.trace} ${r.horizonText}: no origin covers less than 0.93.`);
    }
  }
  return lines.join('\n') + '\n';
}

/** `only`: trace ids (default all); `horizons`: a subset of '1h', '24h' (default both). */
export async function runForecastBench(only: string[] = [], horizons: string[] = []): Promise<string> {
  const rows: ForecastBenchRow[] = [];
  for (const t of BENCH_TRACES.filter((x) => !only.length || only.includes(x.id))) {
    for (const h of HORIZONS_MS) {
      if (horizons.length && !horizons.includes(h === 3_600_000 ? '1h' : '24h')) continue;
      const row = await benchTrace(t, h);
      const detail = Object.entries(row.candidates).map(([name, c]) => `${name} ${(c.pinball / row.naive).toFixed(3)}/${c.coverage95.toFixed(3)}`).join(', ');
      process.stderr.write(`bench forecast: ${t.id} ${row.horizonText}: naive ${fmt(row.naive)} selected ${fmt(row.selected)} ratio ${row.ratio.toFixed(3)} cov95 ${row.coverage95.toFixed(3)} best ${row.bestSingle.model} (${row.seconds.toFixed(1)} s) [ratio/cov95: ${detail}]\n`);
      rows.push(row);
    }
  }
  return renderForecastBench(rows);
}

export interface ProphetBenchRow {
  trace: string;
  horizonSteps: number;
  naive: number;
  prophet: { pinball: number; coverage95: number };
  /** Best default model (single or ensemble, not prophet) over the same origins. */
  bestDefault: { model: string; pinball: number };
  /** The per-origin selection without prophet among the candidates, and with it. */
  selectedDefault: number;
  selectedWithProphet: number;
  /** Share of origins at which the selection with prophet chose prophet (alone). */
  prophetChosen: number;
  /** One prophet fit + predict on the last window, seconds; and both backtests' wall time. */
  fitSeconds: number;
  secondsDefault: number;
  secondsWithProphet: number;
}

/** Traces for the prophet table when none are named: one per shape, to keep the run short. */
const PROPHET_DEFAULT_TRACES = ['azure_vm_v2', 'alibaba2018', 'nab_tweets_goog', 'nab_elb_requests', 'prophet_pedestrians'];

export async function benchProphetTrace(t: BenchTrace): Promise<ProphetBenchRow> {
  const { series } = await readHistoryFile({ file: tracePath(t), valueColumn: t.valueColumn, timeColumn: t.timeColumn, stepMs: t.stepMs, resampleMs: t.resampleMs });
  const horizon = Math.max(1, Math.round(3_600_000 / series.stepMs));
  await prepareModels(['prophet']);
  // Fit time alone, on the window the engine would use at the end of the series.
  const periods = detectPeriods(series.values, { stepMs: series.stepMs });
  const model = prophetModel({ periods, stepMs: series.stepMs });
  const tail = fillGapsForModel(series.values.subarray(Math.max(0, series.values.length - model.lookback)));
  let started = performance.now();
  const fitted = model.fit(tail);
  fitted.predict(horizon);
  fitted.dispose?.();
  const fitSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const base = await backtest(series, { horizon, origins: MIN_ORIGINS, quantiles: QUANTILES, models: DEFAULT_MODELS });
  const secondsDefault = (performance.now() - started) / 1000;
  started = performance.now();
  const withProphet = await backtest(series, { horizon, origins: MIN_ORIGINS, quantiles: QUANTILES, models: [...DEFAULT_MODELS, 'prophet'] });
  const secondsWithProphet = (performance.now() - started) / 1000;

  const defaults = Object.entries(base.scores).filter(([name]) => name !== SELECTED).sort((a, b) => a[1].pinball - b[1].pinball);
  const p = withProphet.scores['prophet'];
  return {
    trace: t.id,
    horizonSteps: horizon,
    naive: base.scores[BASELINE_MODEL]!.pinball,
    prophet: { pinball: p?.pinball ?? NaN, coverage95: p?.coverage['0.95'] ?? NaN },
    bestDefault: { model: defaults[0]![0], pinball: defaults[0]![1].pinball },
    selectedDefault: base.scores[SELECTED]!.pinball,
    selectedWithProphet: withProphet.scores[SELECTED]!.pinball,
    prophetChosen: withProphet.origins.filter((o) => o.model === 'prophet').length / withProphet.origins.length,
    fitSeconds,
    secondsDefault,
    secondsWithProphet,
  };
}

export function renderProphetBench(rows: ProphetBenchRow[]): string {
  const lines = [
    '## Prophet as an opt-in candidate (1 h horizon)',
    '',
    `Command: \`node --import tsx bench/forecast.ts --prophet${rows.length ? ' ' + rows.map((r) => r.trace).join(' ') : ''}\`. Same origins and quantiles as above; pinball / seasonal-naive pinball.`,
    '"selected" = per-origin selection over the default models, then over the default models plus prophet; "prophet chosen" = share of',
    'origins where the selection picked prophet alone; fit = one prophet fit + predict on the final window; backtest seconds without / with prophet.',
    '',
    '| trace | prophet | prophet cov 0.95 | best default | selected (default) | selected (+prophet) | prophet chosen | fit s | backtest s |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const rel = (x: number) => (x / r.naive).toFixed(3);
    lines.push(`| ${r.trace} | ${rel(r.prophet.pinball)} | ${r.prophet.coverage95.toFixed(3)} | ${rel(r.bestDefault.pinball)} (${r.bestDefault.model}) | ${rel(r.selectedDefault)} | ${rel(r.selectedWithProphet)} | ${(100 * r.prophetChosen).toFixed(0)} % | ${r.fitSeconds.toFixed(2)} | ${r.secondsDefault.toFixed(1)} / ${r.secondsWithProphet.toFixed(1)} |`);
  }
  if (rows.length) {
    const mean = (f: (r: ProphetBenchRow) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
    const change = mean((r) => r.selectedWithProphet / r.naive) / mean((r) => r.selectedDefault / r.naive) - 1;
    const cost = mean((r) => r.secondsWithProphet / r.secondsDefault);
    const signed = `${change >= 0 ? '+' : ''}${(100 * change).toFixed(1)} %`;
    lines.push('', `Mean selected/naive ${mean((r) => r.selectedDefault / r.naive).toFixed(3)} without prophet, ${mean((r) => r.selectedWithProphet / r.naive).toFixed(3)} with it (${signed} pinball); backtest time x${cost.toFixed(2)}.`);
  }
  return lines.join('\n') + '\n';
}

export async function runProphetBench(only: string[] = []): Promise<string> {
  const ids = only.length ? only : PROPHET_DEFAULT_TRACES;
  const rows: ProphetBenchRow[] = [];
  for (const t of BENCH_TRACES.filter((x) => ids.includes(x.id))) {
    const row = await benchProphetTrace(t);
    process.stderr.write(`bench prophet: ${t.id}: prophet ${(row.prophet.pinball / row.naive).toFixed(3)} selected ${(row.selectedDefault / row.naive).toFixed(3)} -> ${(row.selectedWithProphet / row.naive).toFixed(3)} fit ${row.fitSeconds.toFixed(2)} s, backtest ${row.secondsDefault.toFixed(1)} -> ${row.secondsWithProphet.toFixed(1)} s\n`);
    rows.push(row);
  }
  return renderProphetBench(rows);
}

if (require.main === module) {
  // `--horizon 24h` (repeatable) limits the horizons; `--prophet` runs the prophet table instead;
  // other arguments are trace ids.
  const args = process.argv.slice(2);
  const horizons: string[] = [];
  const ids: string[] = [];
  let prophet = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--horizon') horizons.push(args[++i] ?? '');
    else if (args[i] === '--prophet') prophet = true;
    else ids.push(args[i]!);
  }
  (prophet ? runProphetBench(ids) : runForecastBench(ids, horizons)).then((md) => process.stdout.write(md), (err) => {
    process.stderr.write(`bench forecast: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
