/**
 * Plain data shared by every part of the forecaster. No I/O here.
 */

/** A series on a regular grid. A gap is NaN, never 0. Index i is at startMs + i * stepMs. */
export interface Series {
  /** Where it came from (file and column, or metric), for messages. */
  name: string;
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

/** Quantile levels are keyed by their decimal text, as the CLI prints them: "0.5", "0.95". */
export type QuantileKey = string;

export interface QuantileForecast {
  /** Model kind that produced it, e.g. "mstl", "seasonal-naive". */
  model: string;
  /** Model parameters worth recording (periods, etc). */
  params?: Record<string, unknown>;
  stepMs: number;
  /** Grid index of the first forecast step (the forecast uses rows < origin only). */
  origin: number;
  /** ISO time of the first forecast step. */
  originTime: string;
  horizon: number;
  /** quantiles["0.95"][h] is the 0.95 quantile h steps after the origin. */
  quantiles: Record<QuantileKey, number[]>;
}

export interface ForecastOptions {
  horizon: number;
  /** Levels in (0, 1), e.g. [0.5, 0.9, 0.95, 0.99]. */
  quantiles: number[];
  /** Force a model kind; otherwise the forecaster selects one by backtest. */
  model?: string;
  signal?: AbortSignal;
}

export function quantileKey(q: number): QuantileKey {
  return String(q);
}
