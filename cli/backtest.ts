/**
 * `shadowscale backtest`: rolling-origin evaluation over the last ~30 % of a history.
 * JSON: {origins: [{origin, time, quantiles, actuals}], scores, selected}.
 */
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { backtest, type BacktestResult } from '../forecaster';
import { timeAt } from '../forecaster/series';
import { BACKTEST_SHARE } from '../forecaster/backtest';
import type { Series } from '../forecaster/types';
import { renderBacktestReport } from '../automation/render/report';
import { addHistoryOptions, readHistoryFromFlags, type HistoryFlags } from './history-options';
import { parseFormat, parsePositiveInt, parseQuantiles } from './forecast';
import { createProgress } from './progress';
import { assertWritableReport } from './report-file';

interface BacktestFlags extends HistoryFlags {
  horizon?: string;
  origins?: string;
  quantiles?: string;
  models?: string;
  format?: string;
  report?: string;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : 'n/a');

export async function runBacktest(flags: BacktestFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const horizon = parsePositiveInt(flags.horizon, '--horizon');
  const originsWanted = parsePositiveInt(flags.origins ?? '20', '--origins');
  const quantiles = parseQuantiles(flags.quantiles ?? '0.5,0.9,0.95,0.99');
  const format = parseFormat(flags.format);
  const models = flags.models ? flags.models.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (flags.report) assertWritableReport(flags.report);
  const { series } = await readHistoryFromFlags(flags);
  // Progress only for a person at a terminal, and never mixed into JSON on stdout.
  let progress: ReturnType<typeof createProgress> | undefined;
  const result = await backtest(series, {
    horizon,
    origins: originsWanted,
    quantiles,
    models,
    onProgress: (done, total) => {
      progress ??= createProgress('backtest', total);
      progress.tick();
      if (done === total) progress.stop();
    },
  });
  if (result.origins.length < originsWanted) {
    process.stderr.write(`backtest: ${result.origins.length} origins, not ${originsWanted}: that is every row of the last ${Math.round(BACKTEST_SHARE * 100)} % of the history with ${horizon} actuals after it\n`);
  }
  if (flags.report) await writeBacktestReport(flags, series, result, horizon);
  if (format === 'json') {
    out.write(`${JSON.stringify({
      origins: result.origins.map((o) => ({ origin: o.origin, time: o.time, model: o.model, quantiles: o.quantiles, actuals: o.actuals })),
      scores: result.scores,
      selected: result.selected,
    })}\n`);
    return;
  }
  const levels = quantiles.map(String);
  const header = ['model', 'pinball', 'MASE', ...levels.map((q) => `cov ${q}`)];
  const rows = Object.entries(result.scores)
    .sort((a, b) => a[1].pinball - b[1].pinball)
    .map(([name, s]) => [name + (name === result.selected ? ' *' : ''), fmt(s.pinball), fmt(s.mase), ...levels.map((q) => fmt(s.coverage[q]!))]);
  const widths = header.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  out.write(`${result.origins.length} origins from row ${result.origins[0]!.origin} (${result.origins[0]!.time}) to row ${result.origins[result.origins.length - 1]!.origin}, horizon ${horizon} steps; * = lowest pinball over these origins ("selected" scores the choice made at each origin from data before it, as forecast --at K makes it)\n`);
  out.write(`${[header, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n')}\n`);
}

async function writeBacktestReport(flags: BacktestFlags, series: Series, result: BacktestResult, horizon: number): Promise<void> {
  // Only the backtested tail (with a horizon of context before it) is charted.
  const from = Math.max(0, (result.origins[0]?.origin ?? 0) - horizon);
  const html = await renderBacktestReport({
    title: `Backtest of ${flags.valueColumn} in ${basename(flags.history ?? '')}`,
    source: `shadowscale backtest ${process.argv.slice(3).join(' ')}`,
    stepMs: series.stepMs,
    series: Array.from(series.values.subarray(from), (v, i) => ({ t: timeAt(series, from + i), value: Number.isFinite(v) ? v : null })),
    origins: result.origins,
    scores: result.scores,
    selected: result.selected,
  });
  writeFileSync(flags.report!, html);
  process.stderr.write(`report written to ${flags.report}\n`);
}

export function backtestCommand(): Command {
  const cmd = new Command('backtest').description('Rolling-origin backtest of the candidate models on a history file');
  addHistoryOptions(cmd)
    .requiredOption('--horizon <n>', 'steps forecast at each origin')
    .option('--origins <m>', 'number of forecast origins over the last ~30 % of the history', '20')
    .option('--quantiles <list>', 'quantile levels, comma separated', '0.5,0.9,0.95,0.99')
    .option('--models <list>', 'candidate models, comma separated (default: all but the opt-in ones)')
    .option('--format <fmt>', 'json or table (default: table at a terminal, json otherwise)')
    .option('--report <file.html>', 'also write a self-contained HTML report with charts')
    .action(async (flags: BacktestFlags) => runBacktest(flags));
  return cmd;
}
