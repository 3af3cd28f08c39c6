/**
 * The forecaster's public API: forecast, backtest, the online forecaster, retrain triggers.
 */
import { ShadowscaleError, inputError } from '../automation/errors';
import { forecastAtOrigin } from './engine';
import { prepareModels } from './models';
import { timeAt } from './series';
import { quantileKey, type ForecastOptions, type QuantileForecast, type Series } from './types';

export { backtest, SELECTED, type BacktestOptions, type BacktestOrigin, type BacktestResult } from './backtest';
export { createOnlineForecaster, type OnlineForecaster, type OnlineForecasterOptions } from './online';
export { shouldRetrain, detectChangepoint, type RetrainInput, type RetrainDecision } from './retrain';
export { detectPeriods } from './seasonality';
export { DEFAULT_MODELS, MODEL_FACTORIES, BASELINE_MODEL, prepareModels } from './models';
export { ENSEMBLE_MODEL, MODEL_KINDS } from './engine';

/** A team's advance notice: demand in [startMs, endMs) is expected to be `multiplier` times usual. */
export interface ForecastEvent {
  startMs: number;
  endMs: number;
  multiplier: number;
}

export interface ForecastResult extends QuantileForecast {
  /** Per candidate model: its selection score (mean pinball on the calibration origins). */
  selection?: Record<string, { score: number; calibrationOrigins: number }>;
  /** Recent points outside the 0.99 interval; `levelShift` ones are the new level and stay in the fit, the others are treated as gaps. */
  anomalies: { index: number; time: string; value: number; levelShift: boolean }[];
  /** Grid index where the data the model was fitted on ends (exclusive). */
  trainEnd: number;
  /** Steps before the origin with no value, and whether the forecast was made from the last value
   * that many steps further ahead (false: the gap was too long, it was made at the origin). */
  staleSteps: number;
  fromLastValue: boolean;
}

export function validateForecastOptions(opts: ForecastOptions & { at?: number }, length: number): void {
  if (!(Number.isInteger(opts.horizon) && opts.horizon > 0)) {
    throw inputError('input.horizon', { field: '--horizon' }, `expected a positive whole number of steps, got ${opts.horizon}`);
  }
  if (!opts.quantiles.length) throw inputError('input.quantiles', { field: '--quantiles' }, 'expected at least one quantile level, e.g. 0.5,0.9,0.99');
  for (const q of opts.quantiles) {
    if (!(Number.isFinite(q) && q > 0 && q < 1)) throw inputError('input.quantiles', { field: '--quantiles' }, `expected levels strictly between 0 and 1, got ${q}`);
  }
  if (opts.at !== undefined && !(Number.isInteger(opts.at) && opts.at >= 1 && opts.at <= length)) {
    throw inputError('input.at', { field: '--at' }, `expected a row index between 1 and ${length} (the series has ${length} rows on its grid), got ${opts.at}`);
  }
}

/** Multiplies every quantile inside an event's window by its multiplier (overlaps multiply). */
export function applyEvents(f: QuantileForecast, startMs: number, events: ForecastEvent[]): void {
  for (const e of events) {
    if (!(Number.isFinite(e.multiplier) && e.multiplier > 0)) throw inputError('input.event', { field: 'events.multiplier' }, `expected a positive multiplier, got ${e.multiplier}`);
    if (!(e.endMs > e.startMs)) throw inputError('input.event', { field: 'events' }, 'expected an event to end after it starts');
  }
  for (let h = 0; h < f.horizon; h++) {
    const t = startMs + (f.origin + h) * f.stepMs;
    let m = 1;
    for (const e of events) if (t >= e.startMs && t < e.endMs) m *= e.multiplier;
    if (m !== 1) for (const key of Object.keys(f.quantiles)) f.quantiles[key]![h] *= m;
  }
}

/**
 * Forecasts `horizon` steps from grid index `at` (default: the end of the series) using values
 * with index < at only, with calibrated quantiles at every requested level. `models` names the
 * candidates (default DEFAULT_MODELS; add 'prophet' to opt in); `model` forces one.
 */
export async function forecast(series: Series, opts: ForecastOptions & { at?: number; events?: ForecastEvent[]; models?: string[] }): Promise<ForecastResult> {
  validateForecastOptions(opts, series.values.length);
  const at = opts.at ?? series.values.length;
  if (opts.signal?.aborted) throw new ShadowscaleError('cancelled', 'forecast.cancelled', 'forecast cancelled');
  await prepareModels([opts.model, ...(opts.models ?? [])]);
  const result = forecastAtOrigin(series.values, at, { source: series.name, horizon: opts.horizon, quantiles: opts.quantiles, stepMs: series.stepMs, model: opts.model, models: opts.models });
  const out: ForecastResult = {
    model: result.selected.model,
    params: result.selected.params,
    stepMs: series.stepMs,
    origin: at,
    originTime: timeAt(series, at),
    horizon: opts.horizon,
    quantiles: result.selected.quantiles,
    selection: Object.fromEntries(result.candidates.map((c) => [c.model, { score: c.selectionScore, calibrationOrigins: c.calibrationOrigins }])),
    anomalies: result.anomalies.map((a) => ({ index: a.index, time: timeAt(series, a.index), value: a.value, levelShift: a.levelShift })),
    trainEnd: result.selected.trainEnd,
    staleSteps: result.staleSteps,
    fromLastValue: result.fromLastValue,
  };
  if (opts.events?.length) applyEvents(out, series.startMs, opts.events);
  return out;
}

export { quantileKey };
