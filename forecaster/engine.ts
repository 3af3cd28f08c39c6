/**
 * The forecasting procedure at one origin K, shared by `forecast`, `backtest` and the online
 * forecaster so that they give the same numbers. Pure (the fit cache is plain memoisation).
 *
 * - Seasons are detected on rows < K.
 * - Other models are refitted on a fixed schedule: at grid indexes that are multiples of the
 *   refit spacing R (a day, or the horizon if longer). A forecast from an origin o uses the fit
 *   at r = the last multiple of R at or before o and re-anchors it: the fit's path from r is
 *   shifted by the mean error of its last few steps before o. Seasonal naive, whose fit is a
 *   slice of the history, is refitted at every origin.
 * - Calibration: the same procedure at origins K-H, K-H-s, K-H-2s, ... gives the model's own
 *   errors at each lead, from data before K only; conformal quantiles of those errors are added
 *   to the point forecast.
 * - Selection: each candidate's calibrated quantiles are scored (mean pinball loss) on the newer
 *   half of those origins after calibrating on the older half. The mean of the best three
 *   candidates' forecasts (the ensemble) is scored the same way and wins unless a single model
 *   scores clearly lower.
 */
import { ShadowscaleError, inputError } from '../automation/errors';
import { flagAnomalies, type Anomaly } from './anomalies';
import { buildPools, calibratedQuantiles, type ResidualMatrix } from './calibration';
import { clearlyLower, crossCalibratedScores, meanScore, pickBest } from './select';
import { BASELINE_MODEL, DEFAULT_MODELS, MODEL_FACTORIES, buildModel, type Model, type ModelContext } from './models';
import { detectPeriods } from './seasonality';
import { fillGapsForModel } from './series';
import type { QuantileKey } from './types';

const DAY_MS = 86_400_000;
/** Calibration origins per forecast: enough residuals for a 0.99 quantile per lead group. */
const CALIBRATION_ORIGINS = 200;
/** Below this many calibration origins a candidate is not trusted for selection. */
const MIN_CALIBRATION_ORIGINS = 8;

export interface EngineOptions {
  /** Where the values come from (file and column), so an error names it. */
  source?: string;
  horizon: number;
  quantiles: number[];
  stepMs: number;
  /** Candidate model names; default DEFAULT_MODELS. */
  models?: string[];
  /** Use this model, no selection. */
  model?: string;
  /** Refit spacing R in steps; default max(horizon, one day of steps). */
  refitEverySteps?: number;
}

export type { Anomaly } from './anomalies';

export interface CandidateResult {
  model: string;
  params: Record<string, unknown>;
  point: Float64Array;
  quantiles: Record<QuantileKey, number[]>;
  /** Mean pinball of its cross-calibrated quantiles on the calibration origins (lower is better). */
  selectionScore: number;
  calibrationOrigins: number;
  /** Start of the data the model was fitted on, and its end (exclusive), as grid indexes. */
  trainEnd: number;
}

export interface EngineResult {
  selected: CandidateResult;
  /** The selected model's errors at the calibration origins (rows: origins K-H, K-H-s, ...). */
  selectedResiduals: ResidualMatrix;
  /** The selected procedure, unmasked, to be re-used at later origins (the online forecaster). */
  selectedForecaster: Forecaster;
  candidates: CandidateResult[];
  periods: number[];
  anomalies: Anomaly[];
  /** Steps before the origin with no value (the history stopped). */
  staleSteps: number;
  /** Whether the forecast was made from the last value, `staleSteps + horizon` steps ahead (its
   * first `staleSteps` dropped); false when the gap is too long for the history to calibrate
   * that far, and the forecast is made at the origin, calibrated on errors from before the gap. */
  fromLastValue: boolean;
}

/** Memoised fits, shared by every origin of one backtest (keys say which data they saw). */
export class FitCache {
  readonly paths = new Map<string, { path: Float64Array; params: Record<string, unknown> }>();
  fits = 0;
}

export function refitSpacing(opts: Pick<EngineOptions, 'horizon' | 'stepMs' | 'refitEverySteps'>): number {
  return Math.max(1, opts.refitEverySteps ?? Math.max(opts.horizon, Math.round(DAY_MS / opts.stepMs)));
}

/** Steps of history a candidate needs before its first calibration origin. */
export function minTrainSteps(periods: number[], horizon: number): number {
  const longest = periods.length ? periods[periods.length - 1]! : 0;
  return Math.max(2 * longest, horizon, 20);
}

function isNonNegative(values: Float64Array, end: number): boolean {
  for (let i = 0; i < end; i++) if (values[i]! < 0) return false;
  return true;
}

/** Models whose fit is a slice of the history: refitted exactly at every origin. */
const CHEAP_MODELS = new Set(['seasonal-naive', 'seasonal-naive-long', 'seasonal-median']);

export interface Forecaster {
  name: string;
  /** Point forecast of `horizon` steps from origin o using rows < o. */
  at(o: number): Float64Array;
  paramsAt(o: number): Record<string, unknown>;
  trainEndAt(o: number): number;
  /**
   * The same forecaster reading another array (a replay's), or with some points masked as gaps;
   * `followShift`: the models whose fit is a slice of the history re-anchor too (a level shift).
   */
  rebind(values: Float64Array, masked?: Float64Array, followShift?: boolean): Forecaster;
}

/** Correction window for re-anchoring: a few steps, more for long horizons. */
export function anchorWindow(horizon: number): number {
  return Math.min(12, Math.max(3, Math.ceil(horizon / 2)));
}

export function makeForecaster(name: string, model: Model, values: Float64Array, ctx: ModelContext, horizon: number, spacing: number, minTrain: number, cache: FitCache, masked?: Float64Array, followShift = false): Forecaster {
  const periodsKey = ctx.periods.join(',');
  const rebind = (v: Float64Array, m?: Float64Array, follow?: boolean) => makeForecaster(name, model, v, ctx, horizon, spacing, minTrain, cache, m, follow);
  const source = masked ?? values;
  // Only the points the model reads are gap-filled: copying a long prefix at every origin would
  // cost more than the cheap models themselves.
  // The window reaches back past a gap (or a masked anomaly) until it holds a real value.
  const tail = (end: number) => {
    let start = Math.max(0, end - model.lookback);
    while (start > 0 && !source.subarray(start, end).some((v) => !Number.isNaN(v))) start = Math.max(0, start - model.lookback);
    return fillGapsForModel(source.subarray(start, end));
  };
  const fitOn = (end: number, length: number) => {
    const key = `${name}|${periodsKey}|${end}|${length}|${masked ? 'masked' : 'raw'}`;
    let hit = cache.paths.get(key);
    if (!hit) {
      const fitted = model.fit(tail(end));
      hit = { path: fitted.predict(length), params: fitted.params };
      fitted.dispose?.();
      cache.fits++;
      // Masked fits depend on this origin's anomalies: never shared.
      if (!masked) cache.paths.set(key, hit);
    }
    return hit;
  };
  if (CHEAP_MODELS.has(name)) {
    const window = anchorWindow(horizon);
    return {
      name,
      rebind,
      at(o: number): Float64Array {
        const path = model.fit(tail(o)).predict(horizon);
        if (!followShift || o - window < 1) return path;
        // After a level shift a slice of the last season repeats the old level: shift it by what the
        // same slice got wrong over the steps since the shift began (as the other models re-anchor).
        const before = model.fit(tail(o - window)).predict(window);
        let sum = 0;
        let n = 0;
        for (let t = o - window; t < o; t++) {
          const v = source[t]!;
          if (!Number.isNaN(v) && Number.isFinite(before[t - (o - window)]!)) { sum += v - before[t - (o - window)]!; n++; }
        }
        const shift = n ? sum / n : 0;
        return path.map((x) => x + shift);
      },
      paramsAt: (o) => model.fit(tail(o)).params,
      trainEndAt: (o) => o,
    };
  }
  // Origins between minTrain and the first multiple of the spacing share one fit at minTrain:
  // refitting at each of them costs a fit per calibration origin (hundreds per forecast when a
  // detected season makes minTrain fall just past a multiple, e.g. 2 x 1441 steps at 288).
  const refitPoint = (o: number) => {
    const r = Math.floor(o / spacing) * spacing;
    if (r >= minTrain) return r;
    return o >= minTrain ? minTrain : o;
  };
  const window = anchorWindow(horizon);
  // One path per refit point, long enough for every origin it serves. The models' forecasts do
  // not depend on how far they are asked (the first steps of a longer path are the shorter one),
  // so an origin on the refit point shares the fit instead of fitting a shorter path again
  // (it did: two fits a day in a replay that forecasts every step).
  const pathLength = spacing + horizon;
  return {
    name,
    rebind,
    trainEndAt: refitPoint,
    paramsAt: (o) => fitOn(refitPoint(o), pathLength).params,
    at(o: number): Float64Array {
      const r = refitPoint(o);
      const { path } = fitOn(r, pathLength);
      let sum = 0;
      let n = 0;
      for (let t = Math.max(r, o - window); t < o; t++) {
        const v = source[t]!;
        if (!Number.isNaN(v)) { sum += v - path[t - r]!; n++; }
      }
      const shift = n ? sum / n : 0;
      const out = new Float64Array(horizon);
      for (let h = 0; h < horizon; h++) out[h] = path[o - r + h]! + shift;
      return out;
    },
  };
}

/** Name of the combination of the best-scored candidates. */
export const ENSEMBLE_MODEL = 'ensemble';
/** Every kind `model` may force: the single models and their ensemble. */
export const MODEL_KINDS = [...Object.keys(MODEL_FACTORIES), ENSEMBLE_MODEL];
/** Candidates averaged by the ensemble: the best few by selection score. */
const ENSEMBLE_SIZE = 3;

/**
 * The mean of several candidates' point forecasts. Averaging forecasts whose errors are not
 * perfectly correlated cancels part of each one's error, and it hedges a selection made on a few
 * days of calibration origins; its residuals are the mean of the members' residuals, so it is
 * calibrated and scored like any candidate at no extra fitting cost.
 */
export function ensembleForecaster(members: Forecaster[], horizon: number): Forecaster {
  return {
    name: ENSEMBLE_MODEL,
    at(o: number): Float64Array {
      const out = new Float64Array(horizon);
      for (const m of members) {
        const p = m.at(o);
        for (let h = 0; h < horizon; h++) out[h] += p[h]! / members.length;
      }
      return out;
    },
    paramsAt: (o) => ({ members: members.map((m) => m.name), memberParams: Object.fromEntries(members.map((m) => [m.name, m.paramsAt(o)])) }),
    trainEndAt: (o) => Math.min(...members.map((m) => m.trainEndAt(o))),
    rebind: (v, masked, follow) => ensembleForecaster(members.map((m) => m.rebind(v, masked, follow)), horizon),
  };
}

/**
 * A selection score comes from a few days of overlapping calibration origins, so a single model
 * that wins there by a small margin often loses out of sample, where the combination does not
 * gamble on one model: the ensemble is kept unless a single model scores lower beyond the noise
 * of the comparison (clearlyLower, batches of origins one horizon long).
 */
function preferEnsemble<T extends { f: Forecaster; score: number; scores: Float64Array }>(evaluated: T[], batch: number): T {
  const best = pickBest(evaluated);
  const ensemble = evaluated.find((e) => e.f.name === ENSEMBLE_MODEL);
  if (!ensemble || best === ensemble) return best;
  return clearlyLower(best.scores, ensemble.scores, batch) ? best : ensemble;
}

function meanResiduals(rows: ResidualMatrix[]): ResidualMatrix {
  return rows[0]!.map((_, j) => {
    const out = new Float64Array(rows[0]![j]!.length);
    for (const r of rows) for (let h = 0; h < out.length; h++) out[h] += r[j]![h]! / rows.length;
    return out;
  });
}

/**
 * Origins K-H, K-H-s, ... The stride makes them span at least one full cycle of the base
 * season: errors differ by the phase of the cycle (a busy afternoon is less predictable than a
 * quiet night), and origins packed into a few hours would calibrate every phase on those
 * hours' errors alone. Not the longest season: reaching back weeks would calibrate on a regime
 * the series may have left, and costs a refit per day reached.
 */
export function calibrationStride(horizon: number, periods: number[] = []): number {
  return Math.max(1, Math.round(horizon / 12), Math.ceil((periods[0] ?? 0) / CALIBRATION_ORIGINS));
}

/**
 * `values`: origins whose horizon holds no actual (inside a gap) are passed over and older ones
 * taken instead; they would add nothing, and a recent gap longer than the calibration span left
 * no error at all to calibrate on (quantiles collapsed onto the point).
 */
export function calibrationOrigins(K: number, horizon: number, minTrain: number, periods: number[] = [], values?: Float64Array): number[] {
  const stride = calibrationStride(horizon, periods);
  const origins: number[] = [];
  for (let o = K - horizon; o >= minTrain && origins.length < CALIBRATION_ORIGINS; o -= stride) {
    if (values && !hasActual(values, o, horizon)) continue;
    origins.push(o);
  }
  return origins;
}

function hasActual(values: Float64Array, from: number, length: number): boolean {
  for (let i = from; i < from + length; i++) if (!Number.isNaN(values[i]!)) return true;
  return false;
}

function residualsAt(f: Forecaster, values: Float64Array, origins: number[], horizon: number): ResidualMatrix {
  return origins.map((o) => {
    const point = f.at(o);
    const r = new Float64Array(horizon);
    for (let h = 0; h < horizon; h++) r[h] = values[o + h]! - point[h]!;
    return r;
  });
}

/**
 * Forecasts `horizon` steps from grid index K using values[0..K) only.
 *
 * When the steps just before K are gaps (the metric stopped reporting), the forecast is made
 * from the last value, that many steps further ahead: calibrated on errors at those longer
 * leads, its intervals widen with the gap. (Made at K, every calibration row of a recent gap has
 * no actual, and the quantiles collapsed onto the point.)
 */
export function forecastAtOrigin(values: Float64Array, K: number, opts: EngineOptions, cache = new FitCache()): EngineResult {
  if (!(K > 0 && K <= values.length)) throw inputError('input.origin', { field: '--at' }, `expected an origin between 1 and ${values.length}, got ${K}`);
  let last = K;
  while (last > 0 && Number.isNaN(values[last - 1]!)) last--;
  const stale = K - last;
  if (!stale) return forecastFromLastValue(values, K, opts, cache);
  if (!last) throw inputError('input.empty', { file: opts.source, field: opts.source ? undefined : 'history' }, `expected values before the origin ${K}, got only gaps`);
  let result: EngineResult;
  try {
    result = forecastFromLastValue(values, last, { ...opts, horizon: opts.horizon + stale }, cache);
  } catch (err) {
    // A gap of days needs a horizon the history cannot calibrate: forecast at the origin, whose
    // calibration origins pass over the gap to the errors before it.
    if (err instanceof ShadowscaleError && err.code === 'input.history-too-short') return { ...forecastFromLastValue(values, K, opts, cache), staleSteps: stale, fromLastValue: false };
    throw err;
  }
  const cut = (q: Record<string, number[]>) => Object.fromEntries(Object.entries(q).map(([k, v]) => [k, v.slice(stale)]));
  const shorten = (c: CandidateResult): CandidateResult => ({ ...c, point: c.point.slice(stale), quantiles: cut(c.quantiles) });
  // The forecaster and its residual rows stay those of the longer horizon (the online forecaster
  // re-uses them from later origins, where it takes their first `horizon` leads).
  return { ...result, selected: shorten(result.selected), candidates: result.candidates.map(shorten), staleSteps: stale, fromLastValue: true };
}

function forecastFromLastValue(values: Float64Array, K: number, opts: EngineOptions, cache: FitCache): EngineResult {
  const { horizon } = opts;
  const train = values.subarray(0, K);
  // A season is modelled only when two cycles of it fit before the calibration origins;
  // a longer one found in a long history would leave no origin to calibrate on.
  const calibrationSpan = horizon + MIN_CALIBRATION_ORIGINS * Math.max(1, Math.round(horizon / 12));
  const periods = detectPeriods(train, { stepMs: opts.stepMs }).filter((p) => 2 * p + calibrationSpan <= K);
  const ctx: ModelContext = { periods, stepMs: opts.stepMs };
  const minTrain = minTrainSteps(periods, horizon);
  if (K < minTrain + horizon) {
    throw inputError('input.history-too-short', { file: opts.source, field: opts.source ? undefined : 'history' }, `expected at least ${minTrain + horizon} points before the origin for a ${horizon}-step horizon (${periods.length ? `seasons of ${periods.join(', ')} steps need two cycles` : 'no season found'}), got ${K}`);
  }
  const spacing = refitSpacing(opts);
  // The ensemble is a kind like any other (the model registry hands back what was selected):
  // forcing it combines the best of the candidates, whatever a single one scores.
  const forcedEnsemble = opts.model === ENSEMBLE_MODEL;
  const names = opts.model && !forcedEnsemble ? [opts.model] : (opts.models ?? DEFAULT_MODELS);
  for (const name of names) {
    if (!MODEL_FACTORIES[name]) throw inputError('input.model', { field: 'model' }, `expected one of ${MODEL_KINDS.join(', ')}, got "${name}"`);
  }
  const origins = calibrationOrigins(K, horizon, minTrain, periods, values);
  const nonNegative = isNonNegative(values, K);
  const scoreLevels = [...new Set([...opts.quantiles, 0.5])];

  const evaluated: { f: Forecaster; residuals: ResidualMatrix; score: number; scores: Float64Array }[] = [];
  const noScores = new Float64Array(0);
  for (const name of names) {
    const model = buildModel(name, ctx);
    if (!model || model.minPoints > minTrain) continue;
    const f = makeForecaster(name, model, values, ctx, horizon, spacing, minTrain, cache);
    const residuals = residualsAt(f, values, origins, horizon);
    const scores = origins.length >= MIN_CALIBRATION_ORIGINS ? crossCalibratedScores(residuals, horizon, scoreLevels) : noScores;
    evaluated.push({ f, residuals, score: meanScore(scores), scores });
  }
  if (!evaluated.length) {
    // A forced model that does not apply (e.g. mstl with no season) falls back to the baseline.
    const model = buildModel(BASELINE_MODEL, ctx)!;
    const f = makeForecaster(BASELINE_MODEL, model, values, ctx, horizon, spacing, minTrain, cache);
    evaluated.push({ f, residuals: residualsAt(f, values, origins, horizon), score: Infinity, scores: noScores });
  }
  const trusted = evaluated.filter((e) => Number.isFinite(e.score)).sort((a, b) => a.score - b.score);
  if ((!opts.model || forcedEnsemble) && trusted.length >= 2) {
    const members = trusted.slice(0, ENSEMBLE_SIZE);
    const residuals = meanResiduals(members.map((m) => m.residuals));
    const scores = crossCalibratedScores(residuals, horizon, scoreLevels);
    evaluated.push({ f: ensembleForecaster(members.map((m) => m.f), horizon), residuals, score: meanScore(scores), scores });
  }
  // Origins whose horizons overlap make one batch of the significance test.
  const stride = calibrationStride(horizon, periods);
  const ensemble = evaluated.find((e) => e.f.name === ENSEMBLE_MODEL);
  const best = forcedEnsemble && ensemble ? ensemble : preferEnsemble(evaluated, Math.ceil(horizon / stride));

  // A shift that has filled the re-anchoring window is the level now, not an outlier to mask.
  const anomalies = origins.length > MIN_CALIBRATION_ORIGINS ? flagAnomalies(best.residuals, origins[0]!, values, horizon, anchorWindow(horizon), Math.ceil(horizon / stride) - 1) : [];

  const calibrate = (e: (typeof evaluated)[number]): CandidateResult => {
    let f = e.f;
    const outliers = anomalies.filter((a) => !a.levelShift);
    const shifted = anomalies.some((a) => a.levelShift);
    if (e === best && (outliers.length || shifted)) {
      // Outliers (not level shifts) stay out of the fit and of the re-anchoring: gaps for the model.
      let masked: Float64Array | undefined;
      if (outliers.length) {
        masked = Float64Array.from(values.subarray(0, K));
        for (const a of outliers) masked[a.index] = NaN;
      }
      f = f.rebind(values, masked, shifted);
    }
    const point = f.at(K);
    const quantiles = calibratedQuantiles(point, buildPools(e.residuals, horizon), { quantiles: opts.quantiles, nonNegative });
    return { model: f.name, params: { ...f.paramsAt(K), periods }, point, quantiles, selectionScore: e.score, calibrationOrigins: origins.length, trainEnd: f.trainEndAt(K) };
  };
  const candidates = evaluated.map((e) => (e === best ? undefined : calibrate(e)));
  const selected = calibrate(best);
  if (!Number.isFinite(selected.point[0]!)) {
    throw new ShadowscaleError('internal', 'forecast.not-finite', `model ${selected.model} produced a non-finite forecast at origin ${K}`);
  }
  return { selected, selectedForecaster: best.f, selectedResiduals: best.residuals, candidates: [selected, ...candidates.filter((c): c is CandidateResult => c !== undefined)], periods, anomalies, staleSteps: 0, fromLastValue: true };
}
