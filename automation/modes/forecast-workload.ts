/**
 * A workload's forecast, shared by the tick (run-once.ts) and the PR preview (preview.ts):
 * every signal's history read and forecast, then combined into the one forecast the planner
 * takes, in the first signal's units (automation/planner/signals.ts).
 */
import type { QuantileForecast, Series } from '../../forecaster/types';
import type { SignalConfig, WorkloadConfig } from '../config-types';
import { ShadowscaleError, describeError, errorKindOf } from '../errors';
import { readOnce, type HistorySource } from '../ports';
import { combineSignalForecasts } from '../planner/signals';
import type { ForecastFn, ModelRegistryHooks } from './run-once';

/**
 * The model registry's key of a signal: the first keeps the bare workload name, so the records
 * made before workloads had several signals stay valid; the others are `<workload>/<signal>`.
 */
export function signalKey(workload: WorkloadConfig, index: number): string {
  return index === 0 ? workload.name : `${workload.name}/${workload.signals[index].name}`;
}

export interface SignalForecastResult {
  signal: SignalConfig;
  /** Registry and records key (signalKey). */
  key: string;
  series: Series;
  forecast: Awaited<ReturnType<ForecastFn>>;
  choice?: Awaited<ReturnType<ModelRegistryHooks['choose']>>;
}

export interface WorkloadForecast {
  /** What the planner takes: first-signal units, from the oldest signal's origin. */
  forecast: QuantileForecast;
  /** Per step of `forecast`, the signal that binds (largest need at the highest level). */
  binding: string[];
  signals: SignalForecastResult[];
}

export interface ForecastDeps {
  history: (workload: WorkloadConfig, signal?: SignalConfig) => HistorySource;
  forecast: ForecastFn;
  /** Only `choose` is used here (recording is the tick's): a preview passes the registry read-only. */
  models?: Pick<ModelRegistryHooks, 'choose'>;
  quantiles: number[];
}

/** Steps of `stepMs` that cover `horizonSec`. */
export function horizonSteps(horizonSec: number, stepMs: number): number {
  return Math.max(1, Math.ceil((horizonSec * 1000) / stepMs));
}

/** With several signals, an error says which signal failed; its kind is kept for retries and exit codes. */
function namedFor(w: WorkloadConfig, s: SignalConfig, error: unknown): unknown {
  if (w.signals.length < 2) return error;
  const message = `signal "${s.name}": ${describeError(error)}`;
  if (error instanceof ShadowscaleError) return new ShadowscaleError(error.kind, error.code, message, { ...error.details, signal: s.name }, { cause: error });
  if (errorKindOf(error) === 'cancelled') return error;
  return new ShadowscaleError(errorKindOf(error), 'forecast.signal', message, { signal: s.name }, { cause: error });
}

export async function forecastWorkload(deps: ForecastDeps, w: WorkloadConfig, now: Date, signal: AbortSignal): Promise<WorkloadForecast> {
  const series: Series[] = [];
  for (const s of w.signals) {
    signal.throwIfAborted();
    try {
      series.push(await readOnce(deps.history(w, s), { end: now, signal }));
    } catch (error) {
      throw namedFor(w, s, error);
    }
  }
  // Every signal is forecast up to the newest history's end plus the horizon, so an older signal
  // still covers the steps the planner looks at. A signal behind by more than a horizon is stale
  // anyway (the combined forecast starts at its origin and the planner holds), so its extra
  // steps are capped rather than forecast far out.
  const endMs = series.map((x) => x.startMs + x.values.length * x.stepMs);
  const newestMs = Math.max(...endMs);
  const results: SignalForecastResult[] = [];
  for (const [i, s] of w.signals.entries()) {
    signal.throwIfAborted();
    const x = series[i];
    const key = signalKey(w, i);
    try {
      const horizon = horizonSteps(w.horizonSec, x.stepMs);
      const behind = Math.min(horizon, Math.max(0, Math.ceil((newestMs - endMs[i]) / x.stepMs)));
      const choice = deps.models ? await deps.models.choose(key, x, now) : undefined;
      const forecast = await deps.forecast(x, { horizon: horizon + behind, quantiles: deps.quantiles, model: choice?.model, signal });
      results.push({ signal: s, key, series: x, forecast, choice });
    } catch (error) {
      throw namedFor(w, s, error);
    }
  }
  const combined = combineSignalForecasts(w.name, results.map((r) => ({ name: r.signal.name, capacityPerVm: r.signal.capacityPerVm, forecast: r.forecast })));
  return { forecast: combined.forecast, binding: combined.binding, signals: results };
}
