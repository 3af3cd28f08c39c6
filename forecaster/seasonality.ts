/**
 * Seasonal period detection. Pure.
 *
 * Candidates come from augurs' periodogram detector (`seasonalities`) and from the peaks of the
 * autocorrelation function; a candidate is kept only when the autocorrelation confirms it. The
 * confirmation step is needed because augurs' Welch periodogram (marked alpha upstream) often
 * returns a period tied to its segment length instead of the true one (e.g. 126 for a clean
 * 24-step sine over 504 points), so its answer alone cannot be trusted.
 */
import { fillGapsForModel } from './series';
import { augursSeasons } from './augurs';

export interface SeasonalityOptions {
  /** At most this many periods, shortest and longest kept (default 2: e.g. daily and weekly). */
  maxPeriods?: number;
  /** Minimum autocorrelation at a lag for it to count as a season (default 0.2). */
  minAcf?: number;
  /** The series step: lets a period close to an hour, a day or a week snap to it exactly. */
  stepMs?: number;
}

/**
 * How far a longer season's ACF must stand above the ACF one base season shorter to count as a
 * season of its own (a weekly bump at 7 days over 6), rather than a multiple of the base.
 */
const SEASON_BUMP = 0.02;
/** Detection works on at most this many points; longer series are averaged down first. */
const DETECT_POINTS = 2048;

/**
 * Averaging blocks longer than half a period alias that period away (a daily cycle averaged in
 * 16-hour blocks of a 2-year hourly series shows as a 2-day one). Demand's shortest common season
 * is the day, so with a known step a block stays within an eighth of a day: the day keeps at
 * least eight averaged points and its ACF peak stays sharp.
 */
function maxDetectFactor(stepMs: number | undefined): number {
  if (!stepMs) return Infinity;
  return 2 ** Math.max(0, Math.floor(Math.log2(86_400_000 / stepMs / 8)));
}

/** Means over consecutive blocks of `factor` points (the last partial block dropped). */
export function aggregateMeans(values: ArrayLike<number>, factor: number, alignEnd = false): Float64Array {
  const blocks = Math.floor(values.length / factor);
  const offset = alignEnd ? values.length - blocks * factor : 0;
  const out = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let sum = 0;
    for (let j = 0; j < factor; j++) sum += values[offset + b * factor + j]!;
    out[b] = sum / factor;
  }
  return out;
}

/** Autocorrelation of `x` after removing its least-squares line, for lags 0..maxLag. */
export function autocorrelation(x: Float64Array, maxLag: number): Float64Array {
  const n = x.length;
  let st = 0, sy = 0, stt = 0, sty = 0;
  for (let i = 0; i < n; i++) { st += i; sy += x[i]!; stt += i * i; sty += i * x[i]!; }
  const denom = n * stt - st * st;
  const slope = denom === 0 ? 0 : (n * sty - st * sy) / denom;
  const icpt = (sy - slope * st) / n;
  const d = new Float64Array(n);
  let variance = 0;
  for (let i = 0; i < n; i++) { d[i] = x[i]! - (icpt + slope * i); variance += d[i]! * d[i]!; }
  const acf = new Float64Array(maxLag + 1);
  if (variance === 0) return acf;
  for (let k = 0; k <= maxLag; k++) {
    let s = 0;
    for (let i = k; i < n; i++) s += d[i]! * d[i - k]!;
    acf[k] = s / variance;
  }
  return acf;
}

/** Lags that are local maxima of the ACF with enough height and prominence. */
function acfPeaks(acf: Float64Array, minAcf: number): number[] {
  const peaks: number[] = [];
  for (let k = 2; k < acf.length - 1; k++) {
    if (!(acf[k]! >= acf[k - 1]! && acf[k]! > acf[k + 1]! && acf[k]! >= minAcf)) continue;
    // Prominence against the trough since half the lag: a real season dips between repeats.
    let trough = Infinity;
    for (let j = Math.floor(k / 2); j < k; j++) trough = Math.min(trough, acf[j]!);
    if (acf[k]! - trough >= 0.1) peaks.push(k);
  }
  return peaks;
}

function nearestPeak(peaks: number[], lag: number): number | undefined {
  let best: number | undefined;
  for (const p of peaks) if (Math.abs(p - lag) <= Math.max(1, 0.1 * lag) && (best === undefined || Math.abs(p - lag) < Math.abs(best - lag))) best = p;
  return best;
}

function isMultiple(big: number, small: number): boolean {
  const r = big / small;
  return Math.round(r) >= 2 && Math.abs(r - Math.round(r)) <= 0.05 * Math.round(r);
}

/**
 * Seasonal periods of `values` (NaN = gap) in steps of the series, ascending. Every period has
 * at least two full cycles in the data. Empty when the series shows no seasonality.
 */
export function detectPeriods(values: ArrayLike<number>, opts: SeasonalityOptions = {}): number[] {
  const maxPeriods = opts.maxPeriods ?? 2;
  const minAcf = opts.minAcf ?? 0.2;
  let finite = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) finite++;
  if (finite < 16) return [];
  const filled = fillGapsForModel(values);
  // A power of two keeps common periods (24 h at 1 h, 5 min, 1 min or 30 s steps) whole
  // numbers of averaged points, so their ACF peaks stay sharp.
  const factor = Math.min(2 ** Math.max(0, Math.ceil(Math.log2(filled.length / DETECT_POINTS))), maxDetectFactor(opts.stepMs));
  // A capped factor reads only the most recent DETECT_POINTS blocks, which keeps the ACF cheap
  // and still spans several weeks.
  const recent = filled.subarray(Math.max(0, filled.length - DETECT_POINTS * factor));
  const x = factor === 1 ? recent : aggregateMeans(recent, factor, true);
  const maxLag = Math.floor(x.length / 2);
  if (maxLag < 4) return [];
  const acf = autocorrelation(x, maxLag);
  const peaks = acfPeaks(acf, minAcf);
  if (!peaks.length) return [];

  // augurs' candidates, each confirmed by (snapped to) an ACF peak.
  const candidates = new Set<number>();
  try {
    for (const p of augursSeasons().seasonalities(x, { minPeriod: 4, maxPeriod: maxLag, threshold: 0.9 })) {
      const snapped = nearestPeak(peaks, p);
      if (snapped !== undefined) candidates.add(snapped);
    }
  } catch {
    // The periodogram fails on some short or flat inputs; the ACF peaks below still stand.
  }
  for (const p of peaks) candidates.add(p);

  // The strongest peak is a season; shorter peaks that divide it evenly and are nearly as
  // strong are its sub-seasons (daily inside weekly); the shortest such one is the base.
  const sorted = [...candidates].sort((a, b) => acf[b]! - acf[a]!);
  const strongest = sorted[0]!;
  let base = strongest;
  for (const p of [...candidates].sort((a, b) => a - b)) {
    if (p < base && isMultiple(strongest, p) && acf[p]! >= 0.5 * acf[strongest]!) { base = p; break; }
  }
  const periods: number[] = [base];
  // A longer season shows as a multiple of the last season whose ACF stands above its
  // neighbouring multiples (a weekly bump at 7 days over 6 and 8 days); the shortest such
  // multiple is the season. Its own multiples are not new seasons unless they stand above
  // their neighbours at its spacing in turn.
  for (const p of [...candidates].sort((a, b) => a - b)) {
    const last = periods[periods.length - 1]!;
    if (p <= last || !isMultiple(p, last)) continue;
    const below = acf[Math.max(0, p - last)]!;
    const above = p + last <= maxLag ? acf[p + last]! : -Infinity;
    if (acf[p]! > below + SEASON_BUMP && acf[p]! > above) periods.push(p);
  }
  let result = periods;
  if (result.length > maxPeriods) result = [...result.slice(0, maxPeriods - 1), result[result.length - 1]!];
  const steps = result.map((p) => snapToCalendar(refineLag(acf, p) * factor, opts.stepMs));
  return (opts.stepMs ? withWeek(steps, filled, opts.stepMs, minAcf, maxPeriods) : steps)
    .filter((p) => p >= 2 && p * 2 <= filled.length);
}

const CALENDAR_MS = [3_600_000, 86_400_000, 604_800_000];

/**
 * Demand follows the clock: a detected period within 2 % of an hour, a day or a week (in
 * steps) is that calendar period, measured periods only wobble around it by sampling noise.
 * Other periods are rounded to whole steps.
 */
function snapToCalendar(periodSteps: number, stepMs: number | undefined): number {
  if (stepMs) {
    for (const ms of CALENDAR_MS) {
      const steps = ms / stepMs;
      if (Number.isInteger(steps) && Math.abs(periodSteps - steps) <= 0.02 * steps) return steps;
    }
  }
  return Math.round(periodSteps);
}

/** The peak lag to sub-step precision (parabola through the peak and its neighbours), so a
 * period found on an averaged copy converts back to the right number of original steps. */
function refineLag(acf: Float64Array, lag: number): number {
  if (lag < 1 || lag + 1 >= acf.length) return lag;
  const a = acf[lag - 1]!, b = acf[lag]!, c = acf[lag + 1]!;
  const curvature = a - 2 * b + c;
  if (curvature >= 0) return lag;
  return lag + Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curvature));
}

/**
 * Demand follows the clock, but at step resolution a week of strong days looks like any whole
 * number of days: the ACF at 6 days is as high as at 7, so the detector can settle on 6 days
 * (and a model that repeats the day six days ago forecasts Monday from Tuesday). With a daily
 * base, the week is a season when the daily means' ACF peaks at 7 days over 6 and 8 days (the
 * bump test the detector applies to longer seasons, on data where day-to-day differences show
 * instead of the intraday cycle); it then replaces a longer season found at step resolution
 * unless that one is a whole number of weeks.
 */
function withWeek(periods: number[], filled: Float64Array, stepMs: number, minAcf: number, maxPeriods: number): number[] {
  const day = 86_400_000 / stepMs;
  if (!Number.isInteger(day) || periods[0] !== day || maxPeriods < 2) return periods;
  // Three weeks of days, so that the ACF at 6 to 8 days rests on two weeks of pairs at least.
  const daily = aggregateMeans(filled, day, true);
  if (daily.length < 21) return periods;
  const acf = autocorrelation(daily, 8);
  if (!(acf[7]! >= minAcf && acf[7]! > acf[6]! + SEASON_BUMP && acf[7]! > acf[8]!)) return periods;
  // Seasons longer than the week survive only as whole numbers of weeks.
  const week = 7 * day;
  return [day, week, ...periods.filter((p) => p > week && p % week === 0)].slice(0, maxPeriods);
}
