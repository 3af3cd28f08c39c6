/**
 * Seasonal naive: the value one season ago. With no season it is the plain naive forecast (the
 * last value). The reference every other model must beat.
 */
import type { FittedModel, Model } from './types';

export function seasonalNaive(period: number, kind = 'seasonal-naive'): Model {
  const p = Math.max(1, Math.round(period));
  return {
    kind,
    minPoints: p,
    lookback: p,
    fit(y: Float64Array): FittedModel {
      const n = y.length;
      const lastSeason = y.slice(n - p);
      return {
        params: { period: p },
        predict(horizon: number): Float64Array {
          const out = new Float64Array(horizon);
          for (let h = 0; h < horizon; h++) out[h] = lastSeason[h % p]!;
          return out;
        },
      };
    },
  };
}

/**
 * The median of the same phase over the last `cycles` seasons (as many as the history holds, at
 * least two): one burst or dip in the last season does not repeat into the forecast, which is
 * what makes the plain seasonal naive noisy a day ahead on bursty demand.
 */
export function seasonalMedian(period: number, cycles: number, kind = 'seasonal-median'): Model {
  const p = Math.max(1, Math.round(period));
  return {
    kind,
    minPoints: 2 * p,
    lookback: cycles * p,
    fit(y: Float64Array): FittedModel {
      const n = y.length;
      const k = Math.max(1, Math.min(cycles, Math.floor(n / p)));
      const profile = new Float64Array(p);
      const column = new Float64Array(k);
      for (let phase = 0; phase < p; phase++) {
        // Phase 0 is the first step of the last season, as in seasonalNaive.
        // Insertion sort: a typed array's sort() costs more per call than k is long, and this
        // runs for every phase at every calibration origin.
        for (let c = 0; c < k; c++) {
          const v = y[n - p + phase - c * p]!;
          let i = c;
          for (; i > 0 && column[i - 1]! > v; i--) column[i] = column[i - 1]!;
          column[i] = v;
        }
        profile[phase] = k % 2 ? column[(k - 1) / 2]! : (column[k / 2 - 1]! + column[k / 2]!) / 2;
      }
      return {
        params: { period: p, cycles: k },
        predict(horizon: number): Float64Array {
          const out = new Float64Array(horizon);
          for (let h = 0; h < horizon; h++) out[h] = profile[h % p]!;
          return out;
        },
      };
    },
  };
}
