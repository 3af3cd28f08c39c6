/**
 * Pure functions over `Series`: building the regular grid from raw points, and the small
 * index/time helpers the forecaster needs. No I/O, no clock.
 */
import { inputError, ShadowscaleError } from '../automation/errors';
import type { Series } from './types';

/** One raw observation: time in ms since epoch, value, and the 1-based data row it came from. */
export interface RawPoint {
  t: number;
  v: number;
  row: number;
}

/** How many row numbers a report lists; enough to find the problem, short enough to print. */
const REPORT_ROWS = 10;

/** Far above any real history (19 years of minutes), far below what would exhaust memory. */
const MAX_GRID_POINTS = 10_000_000;

/** What `toGrid` did to the raw points, for logs and for the `history` command. */
export interface GridReport {
  rowsRead: number;
  /** Rows whose timestamp is earlier than the previous row's (input order). */
  outOfOrderRows: number;
  /** Rows that shared a grid slot with an earlier row and were averaged into it. */
  duplicatesAveraged: number;
  /** Rows whose time was not exactly on the grid and was snapped to the nearest step. */
  snappedRows: number;
  /** Negative or NaN values: dropped (they become gaps), never used. */
  dropped: { count: number; firstRows: number[] };
  /** The step of the returned series, and whether it was inferred from the data. */
  stepMs: number;
  stepInferred: boolean;
  /** The step of the data before resampling, when a coarser step was asked for. */
  resampledFromMs?: number;
  /** Gaps in the returned series: runs of NaN. */
  gaps: { count: number; missingSteps: number; longestSteps: number };
  points: number;
  startIso: string;
  endIso: string;
}

export interface ToGridOptions {
  name: string;
  /** The grid step; inferred from the data when absent. */
  stepMs?: number;
  /** A coarser step to average into; must be a whole multiple of the grid step. */
  resampleMs?: number;
}

function lowerMedian(sorted: number[]): number {
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * Infers the step as the median positive difference between sorted distinct timestamps: robust
 * to a few gaps (which make some differences larger) and a few jittered rows. The lower median
 * keeps the step equal to a difference actually seen in the data.
 */
export function inferStepMs(sortedDistinctTimes: readonly number[]): number | undefined {
  const diffs: number[] = [];
  for (let i = 1; i < sortedDistinctTimes.length; i++) {
    const d = sortedDistinctTimes[i]! - sortedDistinctTimes[i - 1]!;
    if (d > 0) diffs.push(d);
  }
  if (!diffs.length) return undefined;
  diffs.sort((a, b) => a - b);
  return lowerMedian(diffs);
}

function isUsable(v: number): boolean {
  return Number.isFinite(v) && v >= 0;
}

export function gapStats(values: ArrayLike<number>): GridReport['gaps'] {
  let count = 0;
  let missingSteps = 0;
  let longestSteps = 0;
  let run = 0;
  for (let i = 0; i <= values.length; i++) {
    if (i < values.length && Number.isNaN(values[i]!)) {
      run++;
      continue;
    }
    if (run > 0) {
      count++;
      missingSteps += run;
      longestSteps = Math.max(longestSteps, run);
      run = 0;
    }
  }
  return { count, missingSteps, longestSteps };
}

/**
 * Averages a series into buckets of `resampleMs`. Buckets are aligned to multiples of
 * `resampleMs` since the epoch so that hourly buckets start on the hour and two series resampled
 * alike share a grid. A bucket with no value is NaN (a gap), never 0.
 */
export function resample(series: Series, resampleMs: number): Series {
  if (!Number.isFinite(resampleMs) || resampleMs <= 0 || resampleMs % series.stepMs !== 0) {
    throw inputError('bad-resample', { field: '--resample' }, `expected a whole multiple of the series step ${series.stepMs} ms, got ${resampleMs} ms`);
  }
  if (resampleMs === series.stepMs) return { ...series, values: Float64Array.from(series.values) };
  const startMs = series.startMs - (((series.startMs % resampleMs) + resampleMs) % resampleMs);
  const lastMs = series.startMs + (series.values.length - 1) * series.stepMs;
  const length = Math.floor((lastMs - startMs) / resampleMs) + 1;
  const sums = new Float64Array(length);
  const counts = new Uint32Array(length);
  for (let i = 0; i < series.values.length; i++) {
    const v = series.values[i]!;
    if (Number.isNaN(v)) continue;
    const b = Math.floor((series.startMs + i * series.stepMs - startMs) / resampleMs);
    sums[b] += v;
    counts[b]++;
  }
  const values = new Float64Array(length);
  for (let b = 0; b < length; b++) values[b] = counts[b] ? sums[b]! / counts[b]! : NaN;
  return { name: series.name, startMs, stepMs: resampleMs, values };
}

/**
 * Builds the regular grid from raw points: sorts, averages duplicates, infers the step when not
 * given, snaps times to the grid anchored at the first timestamp, marks missing steps NaN, and
 * optionally averages into a coarser step.
 */
export function toGrid(points: readonly RawPoint[], opts: ToGridOptions): { series: Series; report: GridReport } {
  if (!points.length) throw inputError('empty-series', { file: opts.name }, 'no data rows: expected at least one (time, value) row');
  if (opts.stepMs !== undefined && !(Number.isFinite(opts.stepMs) && opts.stepMs > 0)) {
    throw inputError('bad-step', { field: '--step' }, `expected a positive step, got ${opts.stepMs} ms`);
  }
  let outOfOrderRows = 0;
  const dropped: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!Number.isFinite(p.t)) throw new ShadowscaleError('internal', 'bad-time', `${opts.name}: row ${p.row}: time is not a finite number`);
    if (i > 0 && p.t < points[i - 1]!.t) outOfOrderRows++;
    if (!isUsable(p.v)) dropped.push(p.row);
  }
  // Stable sort keeps the input order among equal times, so averaging is order-independent anyway.
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const distinct: number[] = [];
  for (const p of sorted) if (distinct[distinct.length - 1] !== p.t) distinct.push(p.t);

  const stepInferred = opts.stepMs === undefined;
  const stepMs = opts.stepMs ?? inferStepMs(distinct);
  if (stepMs === undefined) {
    throw inputError('step-unknown', { file: opts.name }, 'expected rows at two or more distinct times to infer the step from, got one timestamp for every row');
  }
  if (opts.resampleMs !== undefined && (opts.resampleMs % stepMs !== 0 || opts.resampleMs <= 0)) {
    throw inputError('bad-resample', { field: '--resample' }, `expected a whole multiple of the series step ${stepMs} ms, got ${opts.resampleMs} ms`);
  }

  const startMs = distinct[0]!;
  const length = Math.round((distinct[distinct.length - 1]! - startMs) / stepMs) + 1;
  if (length > MAX_GRID_POINTS) {
    // Usually one stray timestamp (a wrong year, milliseconds among seconds): fail with the span
    // instead of allocating gigabytes.
    throw inputError('grid-too-large', { file: opts.name }, `times span ${new Date(startMs).toISOString()} .. ${new Date(distinct[distinct.length - 1]!).toISOString()}, which at a ${stepMs} ms step is ${length} points (more than ${MAX_GRID_POINTS}); check for a stray timestamp or give a coarser step`);
  }
  const sums = new Float64Array(length);
  const counts = new Uint32Array(length);
  const occupied = new Uint8Array(length);
  let duplicatesAveraged = 0;
  let snappedRows = 0;
  for (const p of sorted) {
    const exact = (p.t - startMs) / stepMs;
    const i = Math.round(exact);
    if (i !== exact) snappedRows++;
    if (occupied[i]) duplicatesAveraged++;
    occupied[i] = 1;
    if (!isUsable(p.v)) continue;
    sums[i] += p.v;
    counts[i]++;
  }
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) values[i] = counts[i] ? sums[i]! / counts[i]! : NaN;

  let series: Series = { name: opts.name, startMs, stepMs, values };
  if (opts.resampleMs !== undefined && opts.resampleMs !== stepMs) series = resample(series, opts.resampleMs);
  return {
    series,
    report: {
      rowsRead: points.length,
      outOfOrderRows,
      duplicatesAveraged,
      snappedRows,
      dropped: { count: dropped.length, firstRows: dropped.slice(0, REPORT_ROWS) },
      stepMs: series.stepMs,
      stepInferred,
      ...(series.stepMs !== stepMs ? { resampledFromMs: stepMs } : {}),
      gaps: gapStats(series.values),
      points: series.values.length,
      startIso: timeAt(series, 0),
      endIso: timeAt(series, series.values.length - 1),
    },
  };
}

/** Rows [from, to) of a series, like Array.slice (negative indexes count from the end). */
export function sliceSeries(s: Series, from: number, to: number = s.values.length): Series {
  const n = s.values.length;
  const lo = Math.min(n, Math.max(0, from < 0 ? n + from : from));
  return { name: s.name, startMs: s.startMs + lo * s.stepMs, stepMs: s.stepMs, values: s.values.slice(lo, to < 0 ? n + to : to) };
}

/**
 * The series re-cut to the window [startMs, endMs) on its own step: steps the series does not
 * cover are NaN. A source that was asked for a window uses this so that missing minutes at
 * either end show as gaps instead of silently shortening the history.
 */
export function windowOnGrid(s: Series, startMs: number, endMs: number): Series {
  const offset = (startMs - s.startMs) / s.stepMs;
  if (!Number.isInteger(offset)) {
    throw new ShadowscaleError('internal', 'window-off-grid', `${s.name}: window start ${new Date(startMs).toISOString()} is not on the ${s.stepMs} ms grid of the series`);
  }
  const length = Math.max(0, Math.ceil((endMs - startMs) / s.stepMs));
  const values = new Float64Array(length).fill(NaN);
  for (let i = 0; i < length; i++) {
    const j = i + offset;
    if (j >= 0 && j < s.values.length) values[i] = s.values[j]!;
  }
  return { name: s.name, startMs, stepMs: s.stepMs, values };
}

/** ISO time of grid index i (i may lie outside the series, e.g. a forecast step). */
export function timeAt(s: Pick<Series, 'startMs' | 'stepMs'>, i: number): string {
  return new Date(s.startMs + i * s.stepMs).toISOString();
}

/**
 * The grid index of the step that contains `timeMs` (floor). It can be negative or ≥ length
 * when the time lies outside the series; callers decide what that means.
 */
export function indexOf(s: Pick<Series, 'startMs' | 'stepMs'>, timeMs: number): number {
  return Math.floor((timeMs - s.startMs) / s.stepMs);
}

/**
 * A gap-free copy for models that cannot take NaN: interior gaps by linear interpolation, edge
 * gaps by the nearest value. The forecaster still scores only on real (non-NaN) points.
 */
export function fillGapsForModel(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  let prev = -1;
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i]!)) continue;
    if (prev === -1) out.fill(out[i]!, 0, i);
    else if (i - prev > 1) {
      const a = out[prev]!;
      const slope = (out[i]! - a) / (i - prev);
      for (let j = prev + 1; j < i; j++) out[j] = a + slope * (j - prev);
    }
    prev = i;
  }
  if (prev === -1) {
    if (out.length) throw new ShadowscaleError('input', 'all-gaps', 'the series has no values at all (every step is a gap): nothing to fill from');
    return out;
  }
  out.fill(out[prev]!, prev + 1);
  return out;
}
