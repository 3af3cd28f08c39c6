/**
 * The history flags shared by forecast, backtest and replay:
 * --history FILE --value-column COL [--time-column COL | --step DUR] [--resample DUR]
 */
import type { Command } from 'commander';
import { parseDuration } from '../automation/duration';
import { inputError } from '../automation/errors';
import { readHistoryFile } from '../forecaster/sources/files';

export interface HistoryFlags {
  history?: string;
  valueColumn?: string;
  timeColumn?: string;
  step?: string;
  resample?: string;
}

export function addHistoryOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--history <file>', 'history file (CSV or Parquet)')
    .requiredOption('--value-column <col>', 'column holding the demand values')
    .option('--time-column <col>', 'column holding timestamps (ISO text or epoch seconds)')
    .option('--step <dur>', 'row clock when the file has no time column, e.g. 30s')
    .option('--resample <dur>', 'resample to this step by averaging, e.g. 5m');
}

/** Reads the history the flags name; values it dropped (negative, NaN) are reported on `err`. */
export async function readHistoryFromFlags(flags: HistoryFlags, minPoints?: number, err: NodeJS.WritableStream = process.stderr) {
  if (!flags.history) throw inputError('input.flag', { field: '--history' }, 'expected a history file');
  if (!flags.valueColumn) throw inputError('input.flag', { field: '--value-column' }, 'expected the name of the value column');
  if (flags.timeColumn && flags.step) {
    throw inputError('input.flag', { field: '--time-column/--step' }, 'give either --time-column (the file has times) or --step (row i is at i x step), not both');
  }
  const read = await readHistoryFile({
    file: flags.history,
    valueColumn: flags.valueColumn,
    timeColumn: flags.timeColumn,
    stepMs: flags.step ? parseDuration(flags.step, '--step') : undefined,
    resampleMs: flags.resample ? parseDuration(flags.resample, '--resample') : undefined,
    minPoints,
  });
  const { dropped } = read.report;
  if (dropped.count) {
    err.write(`history: ${flags.history}, column "${flags.valueColumn}": ${dropped.count} negative or NaN value(s) dropped and treated as gaps (rows ${dropped.firstRows.join(', ')}${dropped.count > dropped.firstRows.length ? ', ...' : ''})\n`);
  }
  return read;
}
