/**
 * The online forecaster for the replay simulator: asked for a forecast every few steps, it
 * selects a model with the full engine once a week of steps (or at its first call), refits the
 * selected model on the engine's schedule (every `refitEverySteps`), re-anchors in between, and
 * calibrates on the errors its own past forecasts made, seeded by the engine's calibration.
 * Pure: uses values[0..upTo) only.
 */
import { ShadowscaleError } from '../automation/errors';
import { buildPools, calibratedQuantiles, type CalibrationPools } from './calibration';
import { FitCache, forecastAtOrigin, minTrainSteps, refitSpacing, type Forecaster } from './engine';
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

export function createOnlineForecaster(opts: OnlineForecasterOptions): OnlineForecaster {
  // Fail at creation, not at the first selection deep inside a replay.
  assertModelsPrepared(opts.models ?? []);
  const spacing = refitSpacing(opts);
  const reselectEvery = 7 * spacing;
  const cache = new FitCache();
  let forecaster: Forecaster | undefined;
  let model = '';
  let periods: number[] = [];
  let selectedAt = -Infinity;
  let rows: Float64Array[] = [];
  let pools: CalibrationPools | undefined;
  let newRows = 0;
  const pending: { origin: number; point: Float64Array }[] = [];
  let builtOn: Float64Array | undefined;
  let checkedUpTo = 0;
  let nonNegative = true;

  const select = (values: Float64Array, upTo: number) => {
    const result = forecastAtOrigin(values, upTo, { ...opts, refitEverySteps: spacing }, cache);
    model = result.selected.model;
    periods = result.periods;
    forecaster = result.selectedForecaster.rebind(values);
    // Oldest first, like the online rows appended later.
    rows = [...result.selectedResiduals].reverse();
    pools = buildPools(rows, opts.horizon);
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
          if (!forecaster && err instanceof ShadowscaleError && err.code === 'input.history-too-short') return persistence(values, upTo);
          throw err;
        }
      }
      // The forecaster reads the array it was built on; a replay that passes a new array is
      // followed by rebuilding over it (the fit cache keeps the fits).
      if (builtOn !== values) {
        forecaster = forecaster!.rebind(values);
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
        newRows++;
      }
      if (rows.length > MAX_ROWS) rows = rows.slice(rows.length - MAX_ROWS);
      if (!pools || newRows >= REBUILD_EVERY) { pools = buildPools(rows, opts.horizon); newRows = 0; }
      const point = forecaster!.at(upTo);
      pending.push({ origin: upTo, point });
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
