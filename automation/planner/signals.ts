/**
 * Several demand signals of one workload (requests, CPU, memory), each forecast on its own,
 * made into the ONE forecast the planner takes, in the first signal's units. Pure.
 *
 * Why the largest need, level by level: a VM serves `capacity_s` of every signal at once, so the
 * VMs needed at a step are the largest of the signals' needs, max_s(demand_s / capacity_s).
 * Converting each signal to first-signal units (x capacity_0 / capacity_s) makes the needs
 * comparable, and the planner, which divides by capacity_0, then sizes for the largest.
 *
 * What this under-covers: the q quantile of a maximum is at least the maximum of the q
 * quantiles, with equality only when the signals move together (perfectly correlated). When they
 * do not, P(max_s need_s <= max_s Q_s(q)) can be below q: each signal is covered with
 * probability q, but not always at the same time. The error is largest when two signals have
 * similar needs and independent errors (two at q = 0.95 cover their maximum with probability
 * about 0.90-0.95). Request rate, CPU and memory of one service mostly rise together, so the
 * per-level maximum is close; a joint forecast would need the signals' error correlation,
 * which is not estimated here.
 */
import type { QuantileForecast } from '../../forecaster/types';
import { inputError } from '../errors';
import { UNCALIBRATED_MODEL } from './forecast-view';

export interface SignalForecast {
  name: string;
  capacityPerVm: number;
  forecast: QuantileForecast;
}

export interface CombinedForecast {
  /** In the first signal's units, on the first signal's grid, from the oldest signal's origin. */
  forecast: QuantileForecast;
  /** Per step of `forecast`, the signal whose need is largest at the highest level ("(none)" where no signal has a forecast). */
  binding: string[];
}

/**
 * The per-step, per-level largest need over the signals, in first-signal units. Steps are
 * matched by time; the result starts at the oldest signal's origin (so a signal whose history
 * stopped arriving makes the whole forecast stale) and ends at the last step any signal covers.
 * A signal with no forecast at a step (before its own origin, after its horizon) does not count
 * there; a step no signal covers, or a NaN in any signal, is NaN, which the planner holds on.
 */
export function combineSignalForecasts(workload: string, signals: readonly SignalForecast[]): CombinedForecast {
  if (signals.length === 0) throw inputError('config.signals', { field: `workloads[${workload}].signals` }, 'expected at least one signal');
  const first = signals[0];
  const stepMs = first.forecast.stepMs;
  const levels = Object.keys(first.forecast.quantiles).sort((a, b) => Number(a) - Number(b));
  const originMs = signals.map((s) => Date.parse(s.forecast.originTime));
  for (const [i, s] of signals.entries()) {
    const where = { field: `workloads[${workload}].signals[${s.name}]` };
    if (s.forecast.stepMs !== stepMs) {
      throw inputError('input.signal-step', where, `forecast step ${s.forecast.stepMs / 1000} s differs from the first signal "${first.name}" (${stepMs / 1000} s); set the same history.resample on every signal`);
    }
    if (!Number.isFinite(originMs[i]) || (originMs[i] - originMs[0]) % stepMs !== 0) {
      throw inputError('input.signal-step', where, `forecast grid starts at ${s.forecast.originTime}, not on the ${stepMs / 1000} s grid of the first signal "${first.name}" (${first.forecast.originTime}); set history.resample so the grids align`);
    }
    const missing = levels.filter((l) => !s.forecast.quantiles[l]);
    if (missing.length) throw inputError('input.signal-levels', where, `forecast has no quantile level(s) ${missing.join(', ')} that the first signal "${first.name}" has`);
  }
  const startMs = Math.min(...originMs);
  const ends = signals.map((s, i) => originMs[i] + Math.min(...levels.map((l) => s.forecast.quantiles[l].length)) * stepMs);
  const steps = Math.max(0, Math.round((Math.max(...ends) - startMs) / stepMs));
  const top = levels[levels.length - 1];
  const quantiles: Record<string, number[]> = Object.fromEntries(levels.map((l) => [l, new Array<number>(steps).fill(Number.NaN)]));
  const binding = new Array<string>(steps).fill('(none)');
  const covered = new Array<boolean>(steps).fill(false);
  for (const [i, s] of signals.entries()) {
    const scale = first.capacityPerVm / s.capacityPerVm;
    const offset = Math.round((originMs[i] - startMs) / stepMs);
    const length = Math.round((ends[i] - originMs[i]) / stepMs);
    for (let h = 0; h < length; h++) {
      const k = offset + h;
      for (const l of levels) {
        const v = s.forecast.quantiles[l][h] * scale;
        const cur = quantiles[l][k];
        // A NaN in any signal stays NaN: a hole in one signal must not be hidden by another.
        const larger = !covered[k] || Number.isNaN(v) || (!Number.isNaN(cur) && v > cur);
        if (larger) quantiles[l][k] = v;
        if (larger && l === top) binding[k] = s.name;
      }
      covered[k] = true;
    }
  }
  const startIndexShift = Math.round((originMs[0] - startMs) / stepMs);
  const forecast: QuantileForecast = {
    // A stand-in forecast of any signal says nothing about that signal's uncertainty: the
    // planner must hold as it does for one uncalibrated signal, not size from the others.
    model: signals.length === 1 || signals.some((s) => s.forecast.model === UNCALIBRATED_MODEL)
      ? (signals.find((s) => s.forecast.model === UNCALIBRATED_MODEL) ?? first).forecast.model
      : `max(${signals.map((s) => `${s.name}:${s.forecast.model}`).join(', ')})`,
    params: signals.length === 1 ? first.forecast.params : { signals: Object.fromEntries(signals.map((s) => [s.name, { model: s.forecast.model, capacityPerVm: s.capacityPerVm, params: s.forecast.params ?? {} }])) },
    stepMs,
    origin: first.forecast.origin - startIndexShift,
    originTime: new Date(startMs).toISOString(),
    horizon: steps,
    quantiles,
  };
  return { forecast, binding };
}
