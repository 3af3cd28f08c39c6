/**
 * The history flags shared by forecast, backtest and replay:
 * --history FILE --value-column COL [--time-column COL | --step DUR] [--resample DUR]
 */
import type { Command } from 'commander';
import { formatDuration, parseDuration } from '../automation/duration';
import { inputError } from '../automation/errors';
import { readHistoryFile } from '../forecaster/sources/files';
import type { GridReport } from '../forecaster/series';

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
    err.write(`history: ${flags.history}, column "${flags.valueColumn}": ${dropped.count} negative, NaN or empty value(s) dropped and treated as gaps (rows ${dropped.firstRows.join(', ')}${dropped.count > dropped.firstRows.length ? ', ...' : ''})\n`);
  }
  const grid = gridNotes(read.report);
  if (grid) err.write(`history: ${flags.history}: ${read.report.points} points on a ${formatDuration(read.report.stepMs)} grid from ${read.report.startIso} to ${read.report.endIso}; ${grid}\n`);
  return read;
}

/** What putting the rows on the grid did that a user should know (empty when nothing). */
export function gridNotes(r: GridReport): string {
  const notes: string[] = [];
  if (r.gaps.count) notes.push(`${r.gaps.count} gap(s), ${r.gaps.missingSteps} missing step(s), the longest ${r.gaps.longestSteps}: marked as gaps, not filled`);
  if (r.duplicatesAveraged) notes.push(`${r.duplicatesAveraged} row(s) sharing a step with another were averaged`);
  if (r.outOfOrderRows) notes.push(`${r.outOfOrderRows} row(s) out of order were sorted`);
  if (r.snappedRows) notes.push(`${r.snappedRows} row(s) off the grid were snapped to the nearest step`);
  return notes.join('; ');
}
