/**
 * Split conformal calibration per lead time. Pure.
 *
 * A model's own forecast errors at rolling origins before the forecast origin (residual =
 * actual - point, per lead) give the empirical distribution of its error at each lead; the q
 * quantile forecast is point + the conformal q quantile of those residuals. Neighbouring leads
 * are pooled so that each lead has enough residuals for the outer quantiles.
 */
import { quantileKey, type QuantileKey } from './types';

/** residuals[j][h]: error of the forecast from calibration origin j at lead h (NaN = no actual). */
export type ResidualMatrix = Float64Array[];

/** Sorted residual pools, one per lead. */
export interface CalibrationPools {
  pools: Float64Array[];
}

/**
 * Leads pooled with lead h: h itself and the two ends of a window that widens with the lead
 * (errors change slowly with the lead far out and fast near the origin). Three leads triple the
 * residuals per lead at a third of the sorting cost of pooling the whole window.
 */
export function pooledLeads(h: number, horizon: number): number[] {
  const half = Math.floor(h / 8);
  return [...new Set([Math.max(0, h - half), h, Math.min(horizon - 1, h + half)])];
}

export function buildPools(residuals: ResidualMatrix, horizon: number, rows?: number[]): CalibrationPools {
  const use = rows ?? residuals.map((_, j) => j);
  const pools: Float64Array[] = [];
  const buffer = new Float64Array(use.length * 3);
  for (let h = 0; h < horizon; h++) {
    let n = 0;
    for (const l of pooledLeads(h, horizon)) {
      for (const j of use) {
        const v = residuals[j]![l]!;
        if (!Number.isNaN(v)) buffer[n++] = v;
      }
    }
    pools.push(buffer.slice(0, n).sort());
  }
  return { pools };
}

/**
 * The conformal quantile of a sorted pool: the ceil((n+1)q)-th smallest for upper levels and
 * the floor((n+1)q)-th for lower ones, so that an exchangeable new error falls at or below it
 * with probability at least q (upper) or at most q (lower). Clamped to the pool's range.
 */
export function conformalQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const rank = q >= 0.5 ? Math.ceil((n + 1) * q) : Math.floor((n + 1) * q);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

export interface CalibrateOptions {
  quantiles: number[];
  /** Clip at zero (demand never goes negative). */
  nonNegative: boolean;
}

/** Quantile paths: point + residual quantile per lead; monotone in the level by construction. */
export function calibratedQuantiles(point: Float64Array, pools: CalibrationPools, opts: CalibrateOptions): Record<QuantileKey, number[]> {
  const levels = [...opts.quantiles].sort((a, b) => a - b);
  const out: Record<QuantileKey, number[]> = {};
  for (const q of levels) out[quantileKey(q)] = new Array<number>(point.length);
  for (let h = 0; h < point.length; h++) {
    const pool = pools.pools[Math.min(h, pools.pools.length - 1)]!;
    let previous = -Infinity;
    for (const q of levels) {
      const offset = pool.length ? conformalQuantile(pool, q) : 0;
      let v = point[h]! + offset;
      if (opts.nonNegative) v = Math.max(0, v);
      // Guards against float ties only; the offsets are already ordered.
      v = Math.max(v, previous);
      previous = v;
      out[quantileKey(q)]![h] = v;
    }
  }
  return out;
}

export function validateQuantiles(quantiles: number[]): void {
  if (!quantiles.length) throw new RangeError('expected at least one quantile level');
  for (const q of quantiles) {
    if (!(Number.isFinite(q) && q > 0 && q < 1)) throw new RangeError(`expected quantile levels strictly between 0 and 1, got ${q}`);
  }
}
