/**
 * The common shape of every candidate model. Pure: a model fits on a gap-free Float64Array and
 * predicts point forecasts; uncertainty comes from calibration on its own errors, not from here.
 */

export interface FittedModel {
  /** Point forecasts for the `horizon` steps right after the training data. */
  predict(horizon: number): Float64Array;
  /** What to record about the fit (periods, aggregation, chosen ETS form...). */
  params: Record<string, unknown>;
  /** Releases native (WASM) memory; predict must not be called afterwards. */
  dispose?(): void;
}

/** What a model may know about the series besides its values. */
export interface ModelContext {
  /** Detected seasonal periods, in steps, ascending (may be empty). */
  periods: number[];
  stepMs: number;
}

export interface Model {
  kind: string;
  /** Fits on `y` (no NaN, at least `minPoints`). */
  fit(y: Float64Array): FittedModel;
  minPoints: number;
  /** The fit reads at most this many recent points (so callers can pass just that tail). */
  lookback: number;
}

/** Builds a model for a context, or undefined when it does not apply (e.g. no season found). */
export type ModelFactory = (ctx: ModelContext) => Model | undefined;
