/**
 * `validate`'s check of the file histories a configuration names: each file opened as a run
 * would open it (its header or schema only, no data), so a missing file or column is a config
 * error at the line that names it rather than a failed tick later. BigQuery histories are not
 * checked: that needs the network and credentials.
 */
import { findColumn, historyFileColumns } from '../forecaster/sources/files';
import { ShadowscaleError, configProblemLine } from './errors';
import type { ConfigProblem } from './validate';

/** A file history as the configuration writes it, with the config path of each field for messages. */
export interface FileHistoryRef {
  /** Absolute: as the run resolves it (against the config file's folder). */
  file: string;
  /** As written in the configuration. */
  written: string;
  /** Where `file` is written: the workload's history or a signal's override. */
  filePath: string;
  /** `valueColumn` and `timeColumn` where set, each at the path it is written. */
  columns: { name: string; path: string }[];
}

type FileRead = { columns: string[] } | { expected: string; why: string };

const WHY: Record<string, { expected: string; why: (file: string) => string }> = {
  'file-missing': { expected: 'an existing CSV or Parquet file', why: (file) => `not found at ${file}` },
  'file-not-a-file': { expected: 'an existing CSV or Parquet file', why: (file) => `not a file at ${file}` },
  'empty-file': { expected: 'a file with a header line or a Parquet schema', why: (file) => `empty at ${file}` },
};

async function fileColumns(file: string): Promise<FileRead> {
  try {
    return { columns: await historyFileColumns(file) };
  } catch (err) {
    if (!(err instanceof ShadowscaleError) || err.kind !== 'input') throw err;
    const known = WHY[err.code];
    // The reader's message starts with the file: the rest is the reason.
    return known ? { expected: known.expected, why: known.why(file) } : { expected: 'a CSV file with a header line, or a Parquet file (.parquet, .pq)', why: err.message.replace(`${file}: `, `at ${file}: `) };
  }
}

/**
 * Every file history that cannot be read as configured: the file missing or unreadable, or a
 * value or time column it does not have. Each file is opened once, and each problem said once
 * (several signals may read one file).
 */
export async function historyFileProblems(refs: readonly FileHistoryRef[]): Promise<ConfigProblem[]> {
  const reads = new Map<string, Promise<FileRead>>();
  const problems = new Map<string, ConfigProblem>();
  const fail = (path: string, message: string) => problems.set(`${path}\0${message}`, { path, message });
  for (const ref of refs) {
    if (!reads.has(ref.file)) reads.set(ref.file, fileColumns(ref.file));
    const read = await reads.get(ref.file)!;
    if ('why' in read) {
      fail(ref.filePath, `expected ${read.expected}, got ${JSON.stringify(ref.written)} (${read.why})`);
      continue;
    }
    for (const column of ref.columns) {
      if (findColumn(read.columns, column.name) !== undefined) continue;
      // A column inherited from the workload's history but read from a signal's file (or the
      // reverse) is written in another block than the file: name the file, or the line misleads.
      const sameBlock = column.path.slice(0, column.path.lastIndexOf('.')) === ref.filePath.slice(0, ref.filePath.lastIndexOf('.'));
      const whichFile = sameBlock ? '' : ` (in ${JSON.stringify(ref.written)}, set at ${ref.filePath})`;
      fail(column.path, `expected one of the file's columns ${read.columns.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(column.name)}${whichFile}`);
    }
  }
  return [...problems.values()];
}

/** Throws ShadowscaleError kind 'config' naming each `historyFileProblems` finding, `FILE:LINE: path: expected …`. */
export async function checkHistoryFiles(refs: readonly FileHistoryRef[], file: string, lineOf: (path: string) => number | undefined): Promise<void> {
  const problems = await historyFileProblems(refs);
  if (problems.length) {
    throw new ShadowscaleError('config', 'config.history-file', problems.map((p) => configProblemLine(file, lineOf(p.path), p.path, p.message)).join('\n'), { problems });
  }
}
