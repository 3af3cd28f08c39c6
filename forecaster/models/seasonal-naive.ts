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
