/**
 * Fitting heavy models on an averaged, bounded copy of the history. A 20k-point series with a
 * 1440-step day costs MSTL about a second; the same days as 10-minute means cost a few tens of
 * milliseconds, and the point forecast loses little because the calibration (done on the
 * full-resolution errors) absorbs the within-bucket noise.
 */
import { aggregateMeans } from '../seasonality';

/** Largest factor that divides every period, keeps each period at >= `minPointsPerPeriod`
 * averaged points, and brings `length` down towards `targetPoints`. */
export function chooseFactor(length: number, periods: number[], targetPoints: number, minPointsPerPeriod = 24): number {
  const wanted = Math.max(1, Math.ceil(length / targetPoints));
  if (!periods.length) return wanted;
  let best = 1;
  for (let f = 1; f <= wanted; f++) {
    if (periods.every((p) => p % f === 0 && p / f >= minPointsPerPeriod)) best = f;
  }
  return best;
}

/**
 * Averages the last `window` points of `y` by `factor` (aligned to the end), and maps a coarse
 * forecast back to full resolution by linear interpolation between bucket centres, starting
 * from the last observed bucket so that the forecast joins the history smoothly.
 */
export function aggregatedFit(
  y: Float64Array,
  factor: number,
  window: number,
  fitCoarse: (coarse: Float64Array) => (coarseHorizon: number) => Float64Array,
): (horizon: number) => Float64Array {
  const usable = Math.min(y.length, Math.floor(window / factor) * factor);
  const recent = y.subarray(y.length - usable);
  const coarse = factor === 1 ? Float64Array.from(recent) : aggregateMeans(recent, factor, true);
  const predictCoarse = fitCoarse(coarse);
  if (factor === 1) return predictCoarse;
  const lastMean = coarse[coarse.length - 1]!;
  return (horizon: number) => {
    const buckets = Math.ceil(horizon / factor) + 1;
    const c = predictCoarse(buckets);
    const out = new Float64Array(horizon);
    const half = (factor - 1) / 2;
    for (let h = 0; h < horizon; h++) {
      // Position in bucket units, where bucket b's centre is at b and the last observed one at -1.
      const pos = (h - half) / factor;
      const b0 = Math.floor(pos);
      const w = pos - b0;
      const v0 = b0 < 0 ? lastMean : c[b0]!;
      const v1 = b0 + 1 < 0 ? lastMean : c[Math.min(b0 + 1, c.length - 1)]!;
      out[h] = v0 * (1 - w) + v1 * w;
    }
    return out;
  };
}
