/**
 * Model selection on the calibration origins. Pure.
 */
import { buildPools, conformalQuantile, type ResidualMatrix } from './calibration';
import { pinball } from './metrics';

/**
 * Pinball of the quantiles calibrated on the older half of the origins, scored on each origin of
 * the newer half (rows are newest first; NaN where a row has nothing to score). Newer origins had
 * more history, as the forecast itself will, so a model that needs a long history is judged
 * where it has one.
 */
export function crossCalibratedScores(residuals: ResidualMatrix, horizon: number, levels: number[]): Float64Array {
  const half = Math.floor(residuals.length / 2);
  const newer = residuals.map((_, j) => j).slice(0, half);
  const older = residuals.map((_, j) => j).slice(half);
  const { pools } = buildPools(residuals, horizon, older);
  const out = new Float64Array(newer.length).fill(NaN);
  newer.forEach((j, i) => {
    const r = residuals[j]!;
    let sum = 0;
    let n = 0;
    for (let h = 0; h < horizon; h++) {
      if (Number.isNaN(r[h]!) || !pools[h]!.length) continue;
      // Residual vs the residual quantile: the same pinball as actual vs quantile forecast.
      let s = 0;
      for (const q of levels) s += pinball(r[h]!, conformalQuantile(pools[h]!, q), q);
      sum += s / levels.length;
      n++;
    }
    if (n) out[i] = sum / n;
  });
  return out;
}

/** Mean of crossCalibratedScores over the origins that have one (Infinity when none). */
export function meanScore(scores: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (const v of scores) if (!Number.isNaN(v)) { sum += v; n++; }
  return n ? sum / n : Infinity;
}

/**
 * Whether `a` scores lower than `b` beyond the noise of the comparison: the mean per-origin
 * difference is below zero by more than two standard errors. Neighbouring origins share most of
 * their horizon, so their differences are not independent: the standard error comes from the
 * means of consecutive batches of `batch` origins (batch means), one batch per horizon.
 */
export function clearlyLower(a: Float64Array, b: Float64Array, batch: number): boolean {
  const d: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Number.isNaN(a[i]!) && !Number.isNaN(b[i]!)) d.push(a[i]! - b[i]!);
  const size = Math.max(1, Math.round(batch));
  const means: number[] = [];
  for (let i = 0; i + size <= d.length; i += size) means.push(d.slice(i, i + size).reduce((s, x) => s + x, 0) / size);
  // Fewer than two batches give no estimate of the noise: no evidence either way.
  if (means.length < 2) return false;
  const mean = means.reduce((s, x) => s + x, 0) / means.length;
  const variance = means.reduce((s, x) => s + (x - mean) ** 2, 0) / (means.length - 1);
  return mean + 2 * Math.sqrt(variance / means.length) < 0;
}

/** The candidate with the lowest score (the first on ties, so the order of candidates decides). */
export function pickBest<T extends { score: number }>(candidates: T[]): T {
  return candidates.reduce((a, b) => (b.score < a.score ? b : a));
}
