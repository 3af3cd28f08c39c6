/**
 * Forecast accuracy on every trace in bench/traces.ts, at 1 h and 24 h horizons (in steps of the
 * trace's step after resampling). For each trace and horizon a rolling-origin backtest over the
 * last 30 % of the trace compares seasonal naive, every single model, and the per-origin
 * selection (chosen from data before each origin only). Run alone:
 *   node --import tsx bench/forecast.ts [trace-id ...]
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

export async function runForecastBench(only: string[] = []): Promise<string> {
  const rows: ForecastBenchRow[] = [];
  for (const t of BENCH_TRACES.filter((x) => !only.length || only.includes(x.id))) {
    for (const h of HORIZONS_MS) {
      const row = await benchTrace(t, h);
      process.stderr.write(`bench forecast: ${t.id} ${row.horizonText}: naive ${fmt(row.naive)} selected ${fmt(row.selected)} ratio ${row.ratio.toFixed(3)} cov95 ${row.coverage95.toFixed(3)} best ${row.bestSingle.model} (${row.seconds.toFixed(1)} s)\n`);
      rows.push(row);
    }
  }
  return renderForecastBench(rows);
}

if (require.main === module) {
  runForecastBench(process.argv.slice(2)).then((md) => process.stdout.write(md), (err) => {
    process.stderr.write(`bench forecast: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
