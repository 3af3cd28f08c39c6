/**
 * Model selection on the calibration origins. Pure.
 */
import { buildPools, conformalQuantile, type ResidualMatrix } from './calibration';
import { pinball } from './metrics';

/**
 * Mean pinball of the quantiles calibrated on the older half of the origins, scored on the newer
 * half (rows are newest first). Newer origins had more history, as the forecast itself will, so
 * a model that needs a long history is judged where it has one.
 */
export function crossCalibratedScore(residuals: ResidualMatrix, horizon: number, levels: number[]): number {
  const half = Math.floor(residuals.length / 2);
  const newer = residuals.map((_, j) => j).slice(0, half);
  const older = residuals.map((_, j) => j).slice(half);
  let sum = 0;
  let n = 0;
  const { pools } = buildPools(residuals, horizon, older);
  for (const j of newer) {
    const r = residuals[j]!;
    for (let h = 0; h < horizon; h++) {
      if (Number.isNaN(r[h]!) || !pools[h]!.length) continue;
      // Residual vs the residual quantile: the same pinball as actual vs quantile forecast.
      let s = 0;
      for (const q of levels) s += pinball(r[h]!, conformalQuantile(pools[h]!, q), q);
      sum += s / levels.length;
      n++;
    }
  }
  return n ? sum / n : Infinity;
}

/** The candidate with the lowest score (the first on ties, so the order of candidates decides). */
export function pickBest<T extends { score: number }>(candidates: T[]): T {
  return candidates.reduce((a, b) => (b.score < a.score ? b : a));
}
