/**
 * History from CSV or Parquet files, read through DuckDB.
 *
 * Time column rules:
 * - text in ISO 8601 / `YYYY-MM-DD HH:MM:SS` (a zone offset is honoured; without one, UTC);
 * - numbers are epoch seconds, or epoch milliseconds when the column's largest magnitude is
 *   above 1e11 (1e11 s is the year 5138, 1e11 ms is 1973, so the two cannot be confused for
 *   real data);
 * - no time column: the caller must give the step, and data row i (0-based) is at i × step from
 *   the epoch 1970-01-01T00:00:00Z. A fixed origin keeps runs reproducible and makes clear in
 *   every printed time that the clock is synthetic; only the step and the row order are real.
 * Row numbers in messages are 1-based data rows (the header line is not counted).
 */
import { access, constants, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { inputError, ShadowscaleError } from '../../automation/errors';
import type { HistoryQuery, HistorySource } from '../../automation/ports';
import { resample, sliceSeries, toGrid, type GridReport, type RawPoint } from '../series';
import type { Series } from '../types';

export interface ReadHistoryFileOptions {
  file: string;
  valueColumn: string;
  /** Absent: the file has no time column and `stepMs` sets the row clock. */
  timeColumn?: string;
  stepMs?: number;
  resampleMs?: number;
  /** Fewer usable points than this is an input error (the model needs them). */
  minPoints?: number;
}

/** Above this a numeric time is taken as epoch milliseconds rather than seconds. */
const EPOCH_MS_THRESHOLD = 1e11;

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/;
const TEMPORAL_TYPE = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/;
const TEXT_TYPE = /^VARCHAR$/;

/** SQL identifier quoting: column names come from users and files, never pasted raw. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A column by its exact name, or case-insensitively when that names one column. */
export function findColumn(columns: readonly string[], wanted: string): string | undefined {
  if (columns.includes(wanted)) return wanted;
  const folded = columns.filter((c) => c.toLowerCase() === wanted.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

function listColumns(columns: readonly string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}

function isParquet(file: string): boolean {
  return ['.parquet', '.pq'].includes(extname(file).toLowerCase());
}

/** One DuckDB instance per process: creating one costs more than reading a small file. */
let sharedInstance: Promise<DuckDBInstance> | undefined;
function duckdb(): Promise<DuckDBInstance> {
  sharedInstance ??= DuckDBInstance.create(':memory:');
  return sharedInstance;
}

function toNumber(x: unknown): number | null {
  if (x === null || x === undefined) return null;
  return typeof x === 'bigint' ? Number(x) : (x as number);
}

async function describe(connection: DuckDBConnection, source: string, file: string): Promise<{ name: string; type: string }[]> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`, [file]);
    return reader.getRowObjectsJS().map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) }));
  } catch (err) {
    throw inputError('file-unreadable', { file }, `cannot read as ${isParquet(file) ? 'Parquet' : 'CSV with a header line'}: ${duckdbReason(err)}`);
  }
}

/** DuckDB's reason in one line; for a CSV row with the wrong number of fields, which row. */
function duckdbReason(err: unknown): string {
  const message = (err as Error).message;
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (line && fields) return `line ${line} of the file has ${fields[2]} fields, the header has ${fields[1]}`;
  return message.split('\n')[0]!;
}

/** A SQL string literal (for names read from a file's header, never for values). */
function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Delimiters a header line may use, for when DuckDB's sniffer settles on none. */
const DELIMITERS = [',', ';', '\t', '|'];

/** The checks every read starts with: a readable, non-empty file (not a folder DuckDB would glob). */
async function assertReadableFile(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError('file-missing', { file }, code === 'ENOENT' ? 'file not found' : `file not readable (${code})`);
  }
  const info = await stat(file);
  // DuckDB reads a folder (or a glob) as every file in it, one after the other.
  if (!info.isFile()) throw inputError('file-not-a-file', { file }, `expected a CSV or Parquet file, got ${info.isDirectory() ? 'a directory' : 'something else'}`);
  // DuckDB would read a 0-byte CSV as one unnamed column, and the error would be about the column.
  if (info.size === 0) throw inputError('empty-file', { file }, 'the file is empty: expected a header line and data rows');
}

/**
 * The SQL source a file is read through and its columns. CSV is read as text so one bad cell is
 * reported by row instead of failing the whole read (DuckDB's sniffer types a column from a
 * sample, then errors on a later row).
 */
async function openColumns(connection: DuckDBConnection, file: string): Promise<{ source: string; columns: { name: string; type: string }[] }> {
  let source = isParquet(file) ? 'read_parquet($1)' : 'read_csv($1, all_varchar = true, header = true)';
  let columns: { name: string; type: string }[];
  try {
    columns = await describe(connection, source, file);
  } catch (err) {
    // A row with the wrong number of fields among the sniffer's sample fails the sniff itself;
    // sniffed on the first rows only (every column is text anyway), the strict read that
    // follows names that row.
    if (isParquet(file) || !/Error when sniffing file/.test((err as Error).message)) throw err;
    source = 'read_csv($1, all_varchar = true, header = true, sample_size = 1)';
    columns = await describe(connection, source, file);
  }
  // One row with more fields than the header makes the sniffer give up splitting and read each
  // line as one column named after the whole header; told the delimiter, DuckDB names the row.
  const delimiter = columns.length === 1 && !isParquet(file) ? DELIMITERS.find((d) => columns[0]!.name.includes(d)) : undefined;
  if (delimiter) {
    // Without sniffing: the header's own fields, every one text, so that the rows are parsed
    // strictly and the first one that does not fit is named.
    const header = columns[0]!.name.split(delimiter).map((n) => sqlString(n.replace(/^"(.*)"$/, '$1')));
    source = `read_csv($1, auto_detect = false, header = true, delim = ${sqlString(delimiter)}, quote = '"', columns = {${header.map((n) => `${n}: 'VARCHAR'`).join(', ')}})`;
    columns = await describe(connection, source, file);
  }
  return { source, columns };
}

/**
 * A history file's column names, read from its header (CSV) or schema (Parquet) only, through
 * the same checks and reader as `readHistoryFile`: for `validate`. Input errors as that function's.
 */
export async function historyFileColumns(file: string): Promise<string[]> {
  await assertReadableFile(file);
  const connection = await (await duckdb()).connect();
  try {
    return (await openColumns(connection, file)).columns.map((c) => c.name);
  } finally {
    connection.closeSync();
  }
}

/** Reads one value column (and optionally one time column) of a CSV or Parquet file onto a regular grid. */
export async function readHistoryFile(opts: ReadHistoryFileOptions): Promise<{ series: Series; report: GridReport }> {
  const { file } = opts;
  await assertReadableFile(file);
  if (opts.timeColumn === undefined && opts.stepMs === undefined) {
    throw inputError('no-clock', { file }, 'neither a time column nor a step was given: name the time column (--time-column) or give the row step (--step) for a file without one');
  }

  const connection = await (await duckdb()).connect();
  try {
    // Settle the zone so timestamps without an offset mean UTC whatever the host's TZ is.
    await connection.run(`SET TimeZone = 'UTC'`);
    const { source, columns } = await openColumns(connection, file);
    const names = columns.map((c) => c.name);

    const valueName = findColumn(names, opts.valueColumn);
    if (valueName === undefined) {
      throw inputError('value-column-missing', { file, column: opts.valueColumn }, `no such value column; the columns are ${listColumns(names)}`);
    }
    const valueType = columns.find((c) => c.name === valueName)!.type;
    if (!NUMERIC_TYPE.test(valueType) && !TEXT_TYPE.test(valueType)) {
      throw inputError('value-column-type', { file, column: valueName }, `expected numbers, the column has type ${valueType}`);
    }
    const v = quoteIdent(valueName);
    const selects = [`TRY_CAST(${v} AS DOUBLE) AS v`, `CAST(${v} AS VARCHAR) AS v_text`];

    let timeName: string | undefined;
    if (opts.timeColumn !== undefined) {
      timeName = findColumn(names, opts.timeColumn);
      if (timeName === undefined) {
        throw inputError('time-column-missing', { file, column: opts.timeColumn }, `no such time column; the columns are ${listColumns(names)}`);
      }
      if (timeName === valueName) throw inputError('time-column-is-value', { file, column: timeName }, 'expected the time column to be another column than the value column');
      const timeType = columns.find((c) => c.name === timeName)!.type;
      const t = quoteIdent(timeName);
      if (NUMERIC_TYPE.test(timeType)) {
        selects.push(`CAST(${t} AS DOUBLE) AS t_num`);
      } else if (TEMPORAL_TYPE.test(timeType)) {
        selects.push(`epoch_ms(CAST(${t} AS TIMESTAMPTZ)) AS t_ms`);
      } else if (TEXT_TYPE.test(timeType)) {
        selects.push(`TRY_CAST(${t} AS DOUBLE) AS t_num`, `epoch_ms(TRY_CAST(${t} AS TIMESTAMPTZ)) AS t_ms`, `CAST(${t} AS VARCHAR) AS t_text`);
      } else {
        throw inputError('time-column-type', { file, column: timeName }, `expected timestamps or epoch seconds, the column has type ${timeType}`);
      }
    }

    let reader;
    try {
      reader = await connection.runAndReadAll(`SELECT ${selects.join(', ')} FROM ${source}`, [file]);
    } catch (err) {
      throw inputError('file-unreadable', { file }, `cannot read: ${duckdbReason(err)}`);
    }
    const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    const vs = cols['v']!;
    const vText = cols['v_text']!;
    const rowCount = vs.length;
    if (rowCount === 0) throw inputError('empty-series', { file }, 'the file has a header but no data rows: the series is empty');

    const values = new Float64Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const parsed = toNumber(vs[i]);
      const text = vText[i] as string | null;
      if (parsed === null && text !== null && text.trim() !== '') {
        throw inputError('value-not-numeric', { file, row: i + 1, column: valueName }, `expected a number, got "${text}" (rows count data lines after the header, from 1)`);
      }
      values[i] = parsed ?? NaN;
    }

    const times = new Float64Array(rowCount);
    if (timeName === undefined) {
      for (let i = 0; i < rowCount; i++) times[i] = i * opts.stepMs!;
    } else {
      const tNum = cols['t_num'];
      const tMs = cols['t_ms'];
      const tText = cols['t_text'];
      let maxAbs = 0;
      if (tNum) for (const x of tNum) if (x !== null) maxAbs = Math.max(maxAbs, Math.abs(toNumber(x)!));
      const numericScale = maxAbs > EPOCH_MS_THRESHOLD ? 1 : 1000;
      for (let i = 0; i < rowCount; i++) {
        const num = tNum ? toNumber(tNum[i]) : null;
        const ms = tMs ? toNumber(tMs[i]) : null;
        const t = num !== null && Number.isFinite(num) ? num * numericScale : ms;
        if (t === null || !Number.isFinite(t)) {
          const text = tText ? (tText[i] as string | null) : null;
          const got = text === null || text.trim() === '' ? 'an empty cell' : `"${text}"`;
          throw inputError('time-unparsable', { file, row: i + 1, column: timeName }, `expected an ISO 8601 time (YYYY-MM-DD HH:MM:SS) or epoch seconds, got ${got} (rows count data lines after the header, from 1)`);
        }
        times[i] = t;
      }
    }

    const points: RawPoint[] = new Array(rowCount);
    let usable = 0;
    for (let i = 0; i < rowCount; i++) {
      points[i] = { t: times[i]!, v: values[i]!, row: i + 1 };
      if (Number.isFinite(values[i]!) && values[i]! >= 0) usable++;
    }
    if (usable === 0) {
      throw inputError('empty-series', { file, column: valueName }, `all ${rowCount} data rows are empty, negative or NaN: the series is empty`);
    }
    const name = `${file}, column "${valueName}"`;
    const grid = toGrid(points, { name, stepMs: opts.stepMs, resampleMs: opts.resampleMs });
    if (opts.minPoints !== undefined) {
      const have = grid.series.values.reduce((n, x) => (Number.isNaN(x) ? n : n + 1), 0);
      if (have < opts.minPoints) {
        throw inputError('too-few-points', { file, column: valueName }, `has ${have} usable points at a ${grid.series.stepMs / 1000} s step; at least ${opts.minPoints} are needed`);
      }
    }
    return grid;
  } catch (err) {
    if (err instanceof ShadowscaleError) throw err;
    throw inputError('file-unreadable', { file }, `cannot read: ${(err as Error).message}`);
  } finally {
    connection.closeSync();
  }
}

/**
 * A HistorySource over one file. The file is read once and kept; each `read` returns the
 * [start, end) window, resampled when a coarser step is asked for.
 */
export class FileHistorySource implements HistorySource {
  private loaded?: Promise<{ series: Series; report: GridReport }>;

  constructor(private readonly options: ReadHistoryFileOptions) {}

  /** The whole file on its grid, with what reading it did (for the `history` command and logs). */
  load(): Promise<{ series: Series; report: GridReport }> {
    this.loaded ??= readHistoryFile(this.options);
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }

  async read(query: HistoryQuery): Promise<Series> {
    if (query.signal?.aborted) throw new ShadowscaleError('cancelled', 'cancelled', `reading ${this.options.file} was cancelled`);
    let series = (await this.load()).series;
    if (query.stepMs !== undefined && query.stepMs !== series.stepMs) series = resample(series, query.stepMs);
    const from = query.start ? Math.max(0, Math.ceil((query.start.getTime() - series.startMs) / series.stepMs)) : 0;
    const to = query.end ? Math.max(0, Math.min(series.values.length, Math.ceil((query.end.getTime() - series.startMs) / series.stepMs))) : series.values.length;
    return sliceSeries(series, from, Math.max(from, to));
  }
}
