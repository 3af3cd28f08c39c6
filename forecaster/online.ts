/**
 * The online forecaster for the replay simulator: asked for a forecast every few steps, it
 * selects a model with the full engine once a week of steps (or at its first call), refits the
 * selected model on the engine's schedule (every `refitEverySteps`), re-anchors in between, and
 * calibrates on the errors its own past forecasts made, seeded by the engine's calibration.
 * Pure: uses values[0..upTo) only.
 */
import { ShadowscaleError } from '../automation/errors';
import { anomalySide } from './anomalies';
import { buildPools, calibratedQuantiles, type CalibrationPools } from './calibration';
import { anchorWindow, FitCache, forecastAtOrigin, minTrainSteps, refitSpacing, type Forecaster } from './engine';
import { assertModelsPrepared } from './models';
import { timeAt } from './series';
import type { QuantileForecast } from './types';

export interface OnlineForecasterOptions {
  stepMs: number;
  horizon: number;
  quantiles: number[];
  /** Refit spacing in steps (default: a day of steps, or the horizon if longer). */
  refitEverySteps?: number;
  /** Candidate models for the periodic selection. One with an async runtime ('prophet') must
   * be loaded first with `await prepareModels(models)`: this factory is synchronous. */
  models?: string[];
  /** Grid start time, for the ISO origin time (default 0). */
  startMs?: number;
}

export interface OnlineForecaster {
  observe(values: Float64Array, upTo: number): QuantileForecast;
}

/** Residual rows kept for calibration: the most recent ones. */
const MAX_ROWS = 200;
/** Rebuild the sorted pools after this many new rows, not at every call. */
const REBUILD_EVERY = 4;

/**
 * Whether the last `window` actuals all fell outside the central 99 % interval of the newest
 * forecast that covers them, on one side: a level shift, as the engine judges one. The yardstick
 * is this forecaster's own past errors.
 */
function shiftedSince(pending: readonly { origin: number; point: Float64Array }[], values: Float64Array, upTo: number, window: number, pools: CalibrationPools): boolean {
  let made: { origin: number; point: Float64Array } | undefined;
  for (let i = pending.length - 1; i >= 0 && !made; i--) if (pending[i]!.origin <= upTo - window) made = pending[i];
  if (!made) return false;
  let side = 0;
  for (let t = upTo - window; t < upTo; t++) {
    const h = t - made.origin;
    const s = pools.pools[h] ? anomalySide(values[t]! - made.point[h]!, pools.pools[h]!) : 0;
    if (s === 0 || (side && s !== side)) return false;
    side = s;
  }
  return true;
}

export function createOnlineForecaster(opts: OnlineForecasterOptions): OnlineForecaster {
  // Fail at creation, not at the first selection deep inside a replay.
  assertModelsPrepared(opts.models ?? []);
  const spacing = refitSpacing(opts);
  const reselectEvery = 7 * spacing;
  const cache = new FitCache();
  let forecaster: Forecaster | undefined;
  /** The same forecaster re-anchoring on the last steps even where it would repeat a season. */
  let following: Forecaster | undefined;
  const window = anchorWindow(opts.horizon);
  let model = '';
  let periods: number[] = [];
  let selectedAt = -Infinity;
  let rows: Float64Array[] = [];
  /** Origin of each row (the engine's calibration rows count as older than any online one). */
  let rowOrigins: number[] = [];
  /** Pools of the rows completed before the span a level shift is judged on: rows that saw a
   * burst would vouch for it. Kept as they were while a shift lasts, for the same reason. */
  let yardstick: CalibrationPools | undefined;
  let inShift = false;
  let pools: CalibrationPools | undefined;
  let newRows = 0;
  const pending: { origin: number; point: Float64Array }[] = [];
  /** The forecasts the level-shift rule judges: the unfollowed ones of the same origins. */
  const judged: { origin: number; point: Float64Array }[] = [];
  let builtOn: Float64Array | undefined;
  let checkedUpTo = 0;
  let nonNegative = true;

  const select = (values: Float64Array, upTo: number) => {
    const result = forecastAtOrigin(values, upTo, { ...opts, refitEverySteps: spacing }, cache);
    model = result.selected.model;
    periods = result.periods;
    forecaster = result.selectedForecaster.rebind(values);
    following = forecaster.rebind(values, undefined, true);
    // Oldest first, like the online rows appended later; selected at the end of a gap, the
    // forecaster and its rows are those of a longer horizon: their first `horizon` leads.
    rows = [...result.selectedResiduals].reverse().map((r) => r.subarray(0, opts.horizon));
    rowOrigins = rows.map(() => -Infinity);
    pools = buildPools(rows, opts.horizon);
    yardstick = pools;
    inShift = false;
    newRows = 0;
    selectedAt = upTo;
    builtOn = values;
  };

  /** Fewer points than this cannot be calibrated at all (no season assumed). */
  const minHistory = () => minTrainSteps([], opts.horizon) + opts.horizon + 1;

  /** Until there is enough history: the last value for every level, named so it is not
   * mistaken for a calibrated forecast; a controller should fall back to reactive scaling. */
  const persistence = (values: Float64Array, upTo: number): QuantileForecast => {
    let last = 0;
    for (let i = upTo - 1; i >= 0; i--) if (!Number.isNaN(values[i]!)) { last = values[i]!; break; }
    const quantiles: Record<string, number[]> = {};
    for (const q of opts.quantiles) quantiles[String(q)] = new Array<number>(opts.horizon).fill(last);
    return { model: 'insufficient-history', params: {}, stepMs: opts.stepMs, origin: upTo, originTime: timeAt({ startMs: opts.startMs ?? 0, stepMs: opts.stepMs }, upTo), horizon: opts.horizon, quantiles };
  };

  return {
    observe(values: Float64Array, upTo: number): QuantileForecast {
      if (upTo < minHistory()) return persistence(values, upTo);
      if (!forecaster || upTo - selectedAt >= reselectEvery) {
        try {
          select(values, upTo);
        } catch (err) {
          // Seasons found in a longer history can ask for more than there is yet.
          if (!(err instanceof ShadowscaleError && err.code === 'input.history-too-short')) throw err;
          if (!forecaster) return persistence(values, upTo);
          // The model in use goes on until a later selection can run.
          selectedAt = upTo;
        }
      }
      // The forecaster reads the array it was built on; a replay that passes a new array is
      // followed by rebuilding over it (the fit cache keeps the fits).
      if (builtOn !== values) {
        forecaster = forecaster!.rebind(values);
        following = forecaster.rebind(values, undefined, true);
        builtOn = values;
        checkedUpTo = 0;
        nonNegative = true;
      }
      // Errors of past forecasts whose whole horizon has now been observed.
      while (pending.length && pending[0]!.origin + opts.horizon <= upTo) {
        const { origin, point } = pending.shift()!;
        const r = new Float64Array(opts.horizon);
        for (let h = 0; h < opts.horizon; h++) r[h] = values[origin + h]! - point[h]!;
        rows.push(r);
        rowOrigins.push(origin);
        newRows++;
      }
      if (rows.length > MAX_ROWS) {
        rows = rows.slice(rows.length - MAX_ROWS);
        rowOrigins = rowOrigins.slice(rowOrigins.length - MAX_ROWS);
      }
      if (!pools || newRows >= REBUILD_EVERY) {
        pools = buildPools(rows, opts.horizon);
        newRows = 0;
        if (!inShift) yardstick = buildPools(rows, opts.horizon, rowOrigins.flatMap((o, j) => (o + opts.horizon <= upTo - window ? [j] : [])));
      }
      // After a level shift the seasonal models would repeat the old level for a season (the
      // engine re-anchors them when it flags one; this is the same rule on the replay's own
      // errors). Judged on the forecaster that does not follow, or following would end the shift.
      const unfollowed = forecaster!.at(upTo).subarray(0, opts.horizon);
      inShift = shiftedSince(judged, values, upTo, window, yardstick!);
      const point = inShift ? following!.at(upTo).subarray(0, opts.horizon) : unfollowed;
      pending.push({ origin: upTo, point });
      judged.push({ origin: upTo, point: unfollowed });
      while (judged.length && judged[0]!.origin + opts.horizon <= upTo) judged.shift();
      for (; checkedUpTo < upTo; checkedUpTo++) if (values[checkedUpTo]! < 0) nonNegative = false;
      return {
        model,
        params: { periods, refitEverySteps: spacing },
        stepMs: opts.stepMs,
        origin: upTo,
        originTime: timeAt({ startMs: opts.startMs ?? 0, stepMs: opts.stepMs }, upTo),
        horizon: opts.horizon,
        quantiles: calibratedQuantiles(point, pools, { quantiles: opts.quantiles, nonNegative }),
      };
    },
  };
}
