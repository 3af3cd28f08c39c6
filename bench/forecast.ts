/**
 * Forecast accuracy on every trace in bench/traces.ts, at 1 h and 24 h horizons (in steps of the
 * trace's step after resampling). For each trace and horizon a rolling-origin backtest over the
 * last 30 % of the trace compares seasonal naive, every single model, and the per-origin
 * selection (chosen from data before each origin only). Run alone:
 *   node --import tsx bench/forecast.ts [--horizon 1h|24h] [trace-id ...]
 */
import { backtest, SELECTED, BASELINE_MODEL } from '../forecaster';
import { readHistoryFile } from '../forecaster/sources/files';
import { BENCH_TRACES, tracePath, type BenchTrace } from './traces';

const QUANTILES = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
/** Enough origins that a 0.95 coverage of 0.93-0.97 is distinguishable from noise. */
const ORIGINS = 60;
const HORIZONS_MS = [3_600_000, 86_400_000];

export interface ForecastBenchRow {
  trace: string;
  horizonSteps: number;
  horizonText: string;
  naive: number;
  bestSingle: { model: string; pinball: number };
  selected: number;
  ratio: number;
  coverage95: number;
  seconds: number;
  /** Every candidate's pinball and 0.95 coverage, for diagnosis. */
  candidates: Record<string, { pinball: number; coverage95: number }>;
}

export async function benchTrace(t: BenchTrace, horizonMs: number): Promise<ForecastBenchRow> {
  const { series } = await readHistoryFile({ file: tracePath(t), valueColumn: t.valueColumn, timeColumn: t.timeColumn, stepMs: t.stepMs, resampleMs: t.resampleMs });
  const horizon = Math.max(1, Math.round(horizonMs / series.stepMs));
  const started = performance.now();
  const result = await backtest(series, { horizon, origins: ORIGINS, quantiles: QUANTILES });
  const singles = Object.entries(result.scores).filter(([name]) => name !== SELECTED).sort((a, b) => a[1].pinball - b[1].pinball);
  const naive = result.scores[BASELINE_MODEL]!.pinball;
  const selected = result.scores[SELECTED]!;
  return {
    trace: t.id,
    horizonSteps: horizon,
    horizonText: horizonMs === 3_600_000 ? '1h' : '24h',
    naive,
    bestSingle: { model: singles[0]![0], pinball: singles[0]![1].pinball },
    selected: selected.pinball,
    ratio: selected.pinball / naive,
    coverage95: selected.coverage['0.95']!,
    seconds: (performance.now() - started) / 1000,
    candidates: Object.fromEntries(Object.entries(result.scores).map(([name, sc]) => [name, { pinball: sc.pinball, coverage95: sc.coverage['0.95']! }])),
  };
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

export function renderForecastBench(rows: ForecastBenchRow[]): string {
  const lines = [
    '## Forecast accuracy (rolling-origin backtest)',
    '',
    `Command: \`node --import tsx bench/forecast.ts\`. ${ORIGINS} origins spread over the last 30 % of each trace; quantiles ${QUANTILES.join(', ')};`,
    'pinball = mean pinball loss over those quantiles and the horizon (units of the trace). "selected" is the model chosen at each origin',
    'from an inner backtest on data before that origin; coverage 0.95 = share of actuals at or below the selected 0.95 quantile.',
    '',
    '| trace | horizon | seasonal-naive pinball | best single model pinball | selected pinball | selected / naive | coverage 0.95 | seconds |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.trace} | ${r.horizonText} (${r.horizonSteps} steps) | ${fmt(r.naive)} | ${fmt(r.bestSingle.pinball)} (${r.bestSingle.model}) | ${fmt(r.selected)} | ${r.ratio.toFixed(3)} | ${r.coverage95.toFixed(3)} | ${r.seconds.toFixed(1)} |`);
  }
  for (const h of ['1h', '24h']) {
    const sub = rows.filter((r) => r.horizonText === h);
    if (!sub.length) continue;
    const mean = sub.reduce((s, r) => s + r.ratio, 0) / sub.length;
    const worst = sub.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const covOut = sub.filter((r) => r.coverage95 < 0.93 || r.coverage95 > 0.97).map((r) => `${r.trace} ${r.coverage95.toFixed(3)}`);
    lines.push('', `${h}: mean selected/naive ${mean.toFixed(3)} (target <= 0.900: ${mean <= 0.9 ? 'met' : 'MISSED'}); worst ${worst.trace} ${worst.ratio.toFixed(3)} (target <= 1.020: ${worst.ratio <= 1.02 ? 'met' : 'MISSED'}); coverage 0.95 outside 0.93-0.97: ${covOut.length ? covOut.join(', ') + ' (MISSED)' : 'none (met)'}.`);
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

if (require.main === module) {
  // `--horizon 24h` (repeatable) limits the horizons; other arguments are trace ids.
  const args = process.argv.slice(2);
  const horizons: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--horizon') horizons.push(args[++i] ?? '');
    else ids.push(args[i]!);
  }
  runForecastBench(ids, horizons).then((md) => process.stdout.write(md), (err) => {
    process.stderr.write(`bench forecast: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
