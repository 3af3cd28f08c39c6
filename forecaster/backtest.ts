/**
 * Rolling-origin backtest. Pure apart from yielding to the event loop between origins (so that
 * progress is drawn and an AbortSignal is heard).
 *
 * Each origin K is forecast exactly as `forecast({at: K})` does (same engine, same data < K);
 * the fit cache only avoids refitting what an earlier origin already fitted.
 */
import { ShadowscaleError, inputError } from '../automation/errors';
import { FitCache, forecastAtOrigin, type EngineOptions } from './engine';
import { prepareModels } from './models';
import { accumulate, finish, maseScale, newAccumulator, type ScoreAccumulator, type Scores } from './metrics';
import { timeAt } from './series';
import type { Series } from './types';

/** The per-origin selection, scored like a model under this name. */
export const SELECTED = 'selected';

export interface BacktestOptions {
  horizon: number;
  origins: number;
  quantiles: number[];
  models?: string[];
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface BacktestOrigin {
  origin: number;
  time: string;
  /** The model selected at this origin (from data before it). */
  model: string;
  quantiles: Record<string, number[]>;
  actuals: (number | null)[];
}

export interface BacktestResult {
  origins: BacktestOrigin[];
  /** Per candidate model, and `selected` for the per-origin choice. */
  scores: Record<string, Scores>;
  /** The candidate with the lowest mean pinball loss over the origins. */
  selected: string;
  /** Detected seasons at the last origin, in steps. */
  periods: number[];
}

/** Share of the series, at its end, that the origins are spread over. */
export const BACKTEST_SHARE = 0.3;

/** Origins spread evenly over the last ~30 % of the series, each leaving `horizon` actuals. */
export function backtestOrigins(length: number, horizon: number, count: number, earliest: number): number[] {
  const last = length - horizon;
  const first = Math.max(earliest, Math.floor(length * (1 - BACKTEST_SHARE)));
  if (last < first) return [];
  if (count <= 1 || last === first) return [last];
  const n = Math.min(count, last - first + 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round(first + (i * (last - first)) / (n - 1)));
  return [...new Set(out)];
}

export async function backtest(series: Series, opts: BacktestOptions): Promise<BacktestResult> {
  if (!(Number.isInteger(opts.origins) && opts.origins > 0)) throw inputError('input.origins', { field: '--origins' }, `expected a positive whole number of origins, got ${opts.origins}`);
  const values = series.values;
  const origins = backtestOrigins(values.length, opts.horizon, opts.origins, 1);
  if (!origins.length) {
    // The origins must fit in the last share of the history with a horizon of actuals after
    // each, so "more than the horizon" is not enough: name the length that is.
    let needed = opts.horizon + 1;
    while (!backtestOrigins(needed, opts.horizon, 1, 1).length) needed++;
    throw inputError('input.history-too-short', { file: series.name }, `expected at least ${needed} points for a ${opts.horizon}-step backtest (origins lie in the last ${Math.round(BACKTEST_SHARE * 100)} % of the history, each followed by ${opts.horizon} actuals), got ${values.length}`);
  }
  await prepareModels(opts.models ?? []);
  const engineOpts: EngineOptions = { source: series.name, horizon: opts.horizon, quantiles: opts.quantiles, stepMs: series.stepMs, models: opts.models };
  const cache = new FitCache();
  const accs = new Map<string, ScoreAccumulator>();
  const acc = (name: string) => {
    let a = accs.get(name);
    if (!a) accs.set(name, (a = newAccumulator(opts.quantiles)));
    return a;
  };
  const out: BacktestOrigin[] = [];
  let periods: number[] = [];
  for (let i = 0; i < origins.length; i++) {
    if (opts.signal?.aborted) throw new ShadowscaleError('cancelled', 'backtest.cancelled', 'backtest cancelled');
    const K = origins[i]!;
    const result = forecastAtOrigin(values, K, engineOpts, cache);
    periods = result.periods;
    const actuals = Array.from(values.subarray(K, K + opts.horizon), (v) => (Number.isNaN(v) ? null : v));
    const scale = maseScale(values.subarray(0, K), result.periods[0] ?? 1);
    for (const c of result.candidates) accumulate(acc(c.model), c.quantiles, opts.quantiles, actuals, c.point, scale);
    accumulate(acc(SELECTED), result.selected.quantiles, opts.quantiles, actuals, result.selected.point, scale);
    out.push({ origin: K, time: timeAt(series, K), model: result.selected.model, quantiles: result.selected.quantiles, actuals });
    opts.onProgress?.(i + 1, origins.length);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const scores: Record<string, Scores> = {};
  for (const [name, a] of accs) scores[name] = finish(a);
  const ranked = Object.entries(scores).filter(([name, s]) => name !== SELECTED && Number.isFinite(s.pinball)).sort((a, b) => a[1].pinball - b[1].pinball);
  return { origins: out, scores, selected: ranked[0]?.[0] ?? SELECTED, periods };
}
