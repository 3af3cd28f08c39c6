/**
 * The part of a quantile forecast the planner may use at a given time: steps from `now` on,
 * raised by configured events, with a verdict when it must not be used at all. Pure.
 */
import type { QuantileForecast } from '../../forecaster/types';
import type { EventConfig } from '../config-types';
import { quantilePoints, type QuantilePoints } from './quantiles';

export interface ForecastStep {
  timeMs: number;
  points: QuantilePoints;
  /** Product of the event multipliers applied at this step (1 when none). */
  eventMultiplier: number;
}

export type ForecastView =
  | { ok: true; stepMs: number; steps: ForecastStep[]; ageMs: number; events: string[] }
  | { ok: false; code: 'hold.missing-forecast' | 'hold.stale-forecast' | 'hold.nan-forecast' | 'hold.short-forecast' | 'hold.uncalibrated-forecast'; message: string; numbers: Record<string, number | string> };

/**
 * The model name forecaster/online.ts gives a stand-in forecast (the last value at every level)
 * made before there is history enough to calibrate: it says nothing about uncertainty.
 */
export const UNCALIBRATED_MODEL = 'insufficient-history';

export function viewForecast(
  workload: string,
  forecast: QuantileForecast | undefined,
  nowMs: number,
  maxAgeMs: number,
  events: readonly EventConfig[],
): ForecastView {
  if (!forecast) return { ok: false, code: 'hold.missing-forecast', message: `no forecast for ${workload}: the fleet stays as it is (reactive autoscaling only)`, numbers: {} };
  if (forecast.model === UNCALIBRATED_MODEL) {
    return { ok: false, code: 'hold.uncalibrated-forecast', message: `forecast for ${workload} is a stand-in made before there was history enough to calibrate it: the fleet stays as it is (reactive autoscaling only)`, numbers: { model: forecast.model } };
  }
  const originMs = Date.parse(forecast.originTime);
  const levels = Object.keys(forecast.quantiles).map(Number).filter((l) => l > 0 && l < 1).sort((a, b) => a - b);
  if (!Number.isFinite(originMs) || levels.length === 0 || !(forecast.stepMs > 0)) {
    return { ok: false, code: 'hold.nan-forecast', message: `forecast for ${workload} has no usable origin time, step or quantile levels`, numbers: { originTime: forecast.originTime, levels: levels.length } };
  }
  // The forecast's first step is the first step it did not see; it describes the world as of
  // one step before that.
  const ageMs = nowMs - (originMs - forecast.stepMs);
  if (ageMs > maxAgeMs) {
    return { ok: false, code: 'hold.stale-forecast', message: `forecast for ${workload} is ${Math.round(ageMs / 60000)} min old, older than the allowed ${Math.round(maxAgeMs / 60000)} min: the fleet stays as it is`, numbers: { ageMs, maxAgeMs, originTime: forecast.originTime } };
  }
  const keys = levels.map((l) => Object.keys(forecast.quantiles).find((k) => Number(k) === l) as string);
  const firstIdx = Math.max(0, Math.floor((nowMs - originMs) / forecast.stepMs));
  const length = Math.min(...keys.map((k) => forecast.quantiles[k].length));
  const mine = events.filter((e) => e.workload === undefined || e.workload === workload);
  const steps: ForecastStep[] = [];
  const applied = new Set<string>();
  for (let h = firstIdx; h < length; h++) {
    const timeMs = originMs + h * forecast.stepMs;
    const values = keys.map((k) => forecast.quantiles[k][h]);
    if (values.some((v) => !Number.isFinite(v))) {
      return { ok: false, code: 'hold.nan-forecast', message: `forecast for ${workload} has a missing or NaN value at step ${h}: the fleet stays as it is`, numbers: { step: h, originTime: forecast.originTime } };
    }
    let multiplier = 1;
    for (const e of mine) {
      const start = Date.parse(e.start);
      if (timeMs >= start && timeMs < start + e.durationSec * 1000) {
        multiplier *= e.multiplier;
        applied.add(e.name);
      }
    }
    steps.push({ timeMs, points: quantilePoints(levels, values.map((v) => Math.max(0, v) * multiplier)), eventMultiplier: multiplier });
  }
  if (steps.length === 0) {
    return { ok: false, code: 'hold.short-forecast', message: `forecast for ${workload} ends before now: the fleet stays as it is`, numbers: { originTime: forecast.originTime, horizon: forecast.horizon } };
  }
  return { ok: true, stepMs: forecast.stepMs, steps, ageMs, events: [...applied].sort() };
}
