/**
 * Forecast scores. Pure. Missing actuals (NaN or null) are skipped everywhere.
 */
import { quantileKey, type QuantileKey } from './types';

/** Pinball (quantile) loss of one prediction. */
export function pinball(actual: number, predicted: number, q: number): number {
  const d = actual - predicted;
  return d >= 0 ? q * d : (q - 1) * d;
}

export interface ScoreAccumulator {
  pinballSum: number;
  pinballCount: number;
  absErrorSum: number;
  absErrorCount: number;
  /** Per level: how many actuals fell at or below the quantile, out of how many. */
  below: Record<QuantileKey, number>;
  total: number;
  /** Mean absolute one-season-ago error in the training data (the MASE scale), summed. */
  scaleSum: number;
  scaleCount: number;
}

export function newAccumulator(quantiles: number[]): ScoreAccumulator {
  const below: Record<QuantileKey, number> = {};
  for (const q of quantiles) below[quantileKey(q)] = 0;
  return { pinballSum: 0, pinballCount: 0, absErrorSum: 0, absErrorCount: 0, below, total: 0, scaleSum: 0, scaleCount: 0 };
}

/** Adds one forecast (quantile paths + median as the point) against its actuals. */
export function accumulate(acc: ScoreAccumulator, quantiles: Record<QuantileKey, number[]>, levels: number[], actuals: ArrayLike<number | null>, point: ArrayLike<number>, scale: number): void {
  for (let h = 0; h < actuals.length; h++) {
    const a = actuals[h];
    if (a === null || a === undefined || Number.isNaN(a)) continue;
    let sum = 0;
    for (const q of levels) {
      const v = quantiles[quantileKey(q)]![h]!;
      sum += pinball(a, v, q);
      if (a <= v) acc.below[quantileKey(q)]!++;
    }
    acc.pinballSum += sum / levels.length;
    acc.pinballCount++;
    acc.absErrorSum += Math.abs(a - point[h]!);
    acc.absErrorCount++;
    acc.total++;
  }
  if (Number.isFinite(scale) && scale > 0) { acc.scaleSum += scale; acc.scaleCount++; }
}

export interface Scores {
  /** Mean pinball loss over quantile levels and steps. */
  pinball: number;
  /** Mean absolute error of the point forecast over the mean in-sample seasonal-naive error. */
  mase: number;
  /** Per level: the share of actuals at or below the quantile (0.95 should give ~0.95). */
  coverage: Record<QuantileKey, number>;
}

export function finish(acc: ScoreAccumulator): Scores {
  const coverage: Record<QuantileKey, number> = {};
  for (const [k, n] of Object.entries(acc.below)) coverage[k] = acc.total ? n / acc.total : NaN;
  const mae = acc.absErrorCount ? acc.absErrorSum / acc.absErrorCount : NaN;
  const scale = acc.scaleCount ? acc.scaleSum / acc.scaleCount : NaN;
  return { pinball: acc.pinballCount ? acc.pinballSum / acc.pinballCount : NaN, mase: scale > 0 ? mae / scale : NaN, coverage };
}

/** MASE scale: mean |y[t] - y[t - period]| over the training values (NaN skipped). */
export function maseScale(train: ArrayLike<number>, period: number): number {
  const p = Math.max(1, period);
  let sum = 0;
  let n = 0;
  for (let t = p; t < train.length; t++) {
    const d = train[t]! - train[t - p]!;
    if (!Number.isNaN(d)) { sum += Math.abs(d); n++; }
  }
  return n ? sum / n : NaN;
}
