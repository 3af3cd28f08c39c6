/**
 * `shadowscale forecast`: N steps after row K (default: the end) from rows before K only.
 * JSON: {model, step, origin, quantiles: {"0.5": [..N], ...}}.
 */
import { Command } from 'commander';
import { formatDuration } from '../automation/duration';
import { DEFAULT_MODELS, MODEL_KINDS, forecast } from '../forecaster';
import { timeAt } from '../forecaster/series';
import { addHistoryOptions, readHistoryFromFlags, type HistoryFlags } from './history-options';
import { inputError } from '../automation/errors';

/* Flag parsing shared with `backtest`: every bad value is an input error naming the flag. */

export function parsePositiveInt(text: string | undefined, flag: string): number {
  const t = String(text ?? '').trim();
  if (!/^\d+$/.test(t) || Number(t) <= 0) throw inputError('input.flag', { field: flag }, `expected a positive whole number, got "${text ?? ''}"`);
  return Number(t);
}

export function parseQuantiles(text: string | undefined): number[] {
  const parts = String(text ?? '').split(',').map((s) => s.trim()).filter((s) => s.length);
  if (!parts.length) throw inputError('input.flag', { field: '--quantiles' }, 'expected a comma-separated list of levels such as 0.5,0.9,0.99');
  const levels = parts.map((p) => {
    const q = Number(p);
    if (!/^[0-9.eE+-]+$/.test(p) || !(Number.isFinite(q) && q > 0 && q < 1)) {
      throw inputError('input.flag', { field: '--quantiles' }, `expected levels strictly between 0 and 1, got "${p}"`);
    }
    return q;
  });
  return [...new Set(levels)].sort((a, b) => a - b);
}

export function parseFormat(text: string | undefined): 'json' | 'table' {
  if (text === undefined) return process.stdout.isTTY ? 'table' : 'json';
  if (text !== 'json' && text !== 'table') throw inputError('input.flag', { field: '--format' }, `expected json or table, got "${text}"`);
  return text;
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4)) : 'n/a');

/** A plain text table: one row per step, one column per quantile level. */
export function quantileTable(times: string[], quantiles: Record<string, number[]>, actuals?: (number | null)[]): string {
  const keys = Object.keys(quantiles).sort((a, b) => Number(a) - Number(b));
  const header = ['step', 'time', ...keys.map((k) => `q${k}`), ...(actuals ? ['actual'] : [])];
  const rows = times.map((t, h) => [String(h), t, ...keys.map((k) => fmt(quantiles[k]![h]!)), ...(actuals ? [actuals[h] === null ? '-' : fmt(actuals[h]!)] : [])]);
  const widths = header.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

interface ForecastFlags extends HistoryFlags {
  horizon?: string;
  at?: string;
  quantiles?: string;
  model?: string;
  models?: string;
  format?: string;
}

export async function runForecast(flags: ForecastFlags, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<void> {
  // Flags first, so a bad flag is reported before any file is read.
  const horizon = parsePositiveInt(flags.horizon, '--horizon');
  const quantiles = parseQuantiles(flags.quantiles ?? '0.5,0.9,0.95,0.99');
  const at = flags.at === undefined ? undefined : parsePositiveInt(flags.at, '--at');
  const format = parseFormat(flags.format);
  const { series } = await readHistoryFromFlags(flags, undefined, err);
  const models = flags.models ? flags.models.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const result = await forecast(series, { horizon, quantiles, at, model: flags.model, models });
  if (format === 'json') {
    out.write(`${JSON.stringify({ model: result.model, step: formatDuration(series.stepMs), origin: result.origin, quantiles: result.quantiles })}\n`);
  } else {
    const times = Array.from({ length: horizon }, (_, h) => timeAt(series, result.origin + h));
    out.write(`model ${result.model}, step ${formatDuration(series.stepMs)}, origin row ${result.origin} (${result.originTime})\n`);
    out.write(`${quantileTable(times, result.quantiles)}\n`);
  }
  if (result.staleSteps) {
    const lastAt = timeAt(series, result.origin - result.staleSteps - 1);
    err.write(result.fromLastValue
      ? `forecast: the ${result.staleSteps} step(s) before the origin are gaps (last value at ${lastAt}): forecast from that value ${result.staleSteps + 1} to ${result.staleSteps + horizon} steps ahead, intervals calibrated at those leads\n`
      : `forecast: the ${result.staleSteps} step(s) before the origin are gaps (last value at ${lastAt}), too many to calibrate a forecast from that value: forecast at the origin, intervals calibrated on errors from before the gap\n`);
  }
  const outliers = result.anomalies.filter((a) => !a.levelShift);
  const shift = result.anomalies.filter((a) => a.levelShift);
  const rows = (xs: typeof outliers) => `${xs.slice(0, 5).map((a) => `row ${a.index} (${a.time}) = ${a.value}`).join(', ')}${xs.length > 5 ? ', ...' : ''}`;
  if (shift.length) {
    err.write(`forecast: the last ${shift.length} point(s) are outside the 0.99 interval on one side, a level shift taken as the new level: from ${rows(shift.slice(0, 1))}\n`);
  }
  if (outliers.length) {
    err.write(`forecast: ${outliers.length} recent point(s) outside the 0.99 interval, treated as gaps: ${rows(outliers)}\n`);
  }
}

export function forecastCommand(): Command {
  const cmd = new Command('forecast').description('Forecast demand quantiles for the next N steps of a history file');
  addHistoryOptions(cmd)
    .requiredOption('--horizon <n>', 'steps to forecast')
    .option('--at <k>', 'forecast from row K of the regular grid, using rows before K only (default: the end)')
    .option('--quantiles <list>', 'quantile levels, comma separated', '0.5,0.9,0.95,0.99')
    .option('--model <kind>', `use this model instead of selecting one, whatever --models says (${MODEL_KINDS.join(', ')}; ensemble = the mean of the best three)`)
    .option('--models <list>', `candidates to select from, comma separated (default: ${DEFAULT_MODELS.join(', ')}; prophet is opt-in)`)
    .option('--format <fmt>', 'json or table (default: table at a terminal, json otherwise)')
    .action(async (flags: ForecastFlags) => runForecast(flags));
  return cmd;
}
