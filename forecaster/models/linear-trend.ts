/**
 * Linear trend (the `regression` package) over a recent window plus the mean seasonal profile of
 * what the line leaves: catches steady growth that seasonal naive and MSTL's ETS trend damp.
 */
import regression from 'regression';
import type { FittedModel, Model, ModelContext } from './types';

export function linearTrendModel(ctx: ModelContext): Model {
  const period = ctx.periods[0];
  return {
    kind: 'linear-trend',
    minPoints: 10,
    lookback: period ? 3 * period : 200,
    fit(y: Float64Array): FittedModel {
      // Two shortest seasons (or 200 points) of history: long enough for a slope, short enough
      // to follow the current regime.
      const window = Math.min(y.length, period && 2 * period <= y.length ? 3 * period : 200);
      const start = y.length - window;
      const points: [number, number][] = [];
      for (let i = 0; i < window; i++) points.push([i, y[start + i]!]);
      const fitted = regression.linear(points, { precision: 12 });
      const [slope, intercept] = fitted.equation as [number, number];
      const profile = new Float64Array(period && 2 * period <= y.length ? period : 0);
      if (profile.length) {
        const counts = new Float64Array(profile.length);
        for (let i = 0; i < window; i++) {
          const phase = (start + i) % profile.length;
          profile[phase] += y[start + i]! - (intercept + slope * i);
          counts[phase]++;
        }
        for (let k = 0; k < profile.length; k++) profile[k] = counts[k] ? profile[k]! / counts[k]! : 0;
      }
      return {
        params: { slope, intercept, window, period: profile.length || undefined },
        predict(horizon: number): Float64Array {
          const out = new Float64Array(horizon);
          for (let h = 0; h < horizon; h++) {
            const i = window + h;
            out[h] = intercept + slope * i + (profile.length ? profile[(y.length + h) % profile.length]! : 0);
          }
          return out;
        },
      };
    },
  };
}
