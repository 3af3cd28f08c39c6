/**
 * `shadowscale backtest`: rolling-origin evaluation over the last ~30 % of a history.
 * JSON: {origins: [{origin, time, quantiles, actuals}], scores, selected}.
 */
import { Command } from 'commander';
import { backtest } from '../forecaster';
import { addHistoryOptions, readHistoryFromFlags, type HistoryFlags } from './history-options';
import { parseFormat, parsePositiveInt, parseQuantiles } from './forecast';
import { createProgress } from './progress';

interface BacktestFlags extends HistoryFlags {
  horizon?: string;
  origins?: string;
  quantiles?: string;
  models?: string;
  format?: string;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : 'n/a');

export async function runBacktest(flags: BacktestFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const horizon = parsePositiveInt(flags.horizon, '--horizon');
  const originsWanted = parsePositiveInt(flags.origins ?? '20', '--origins');
  const quantiles = parseQuantiles(flags.quantiles ?? '0.5,0.9,0.95,0.99');
  const format = parseFormat(flags.format);
  const models = flags.models ? flags.models.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
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
  out.write(`${result.origins.length} origins from row ${result.origins[0]!.origin} (${result.origins[0]!.time}) to row ${result.origins[result.origins.length - 1]!.origin}, horizon ${horizon} steps; * = selected\n`);
  out.write(`${[header, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n')}\n`);
}

export function backtestCommand(): Command {
  const cmd = new Command('backtest').description('Rolling-origin backtest of the candidate models on a history file');
  addHistoryOptions(cmd)
    .requiredOption('--horizon <n>', 'steps forecast at each origin')
    .option('--origins <m>', 'number of forecast origins over the last ~30 % of the history', '20')
    .option('--quantiles <list>', 'quantile levels, comma separated', '0.5,0.9,0.95,0.99')
    .option('--models <list>', 'candidate models, comma separated (default: all but the opt-in ones)')
    .option('--format <fmt>', 'json or table (default: table at a terminal, json otherwise)')
    .action(async (flags: BacktestFlags) => runBacktest(flags));
  return cmd;
}
