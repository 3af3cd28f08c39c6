/**
 * AutoETS (augurs), non-seasonal: level and (damped) trend chosen by AICc. For series with no
 * clear season, and as the short-horizon challenger for those with one.
 */
import { augursEts } from '../augurs';
import { aggregatedFit, chooseFactor } from './aggregate';
import type { FittedModel, Model, ModelContext } from './types';

const FIT_POINTS = 300;

function isFlat(y: Float64Array): boolean {
  for (let i = 1; i < y.length; i++) if (y[i] !== y[0]) return false;
  return true;
}

export function etsModel(ctx: ModelContext): Model {
  return {
    kind: 'ets',
    minPoints: 10,
    lookback: 4 * FIT_POINTS,
    fit(y: Float64Array): FittedModel {
      // No season to preserve, so the factor is free; a window of recent points keeps the
      // level fresh and the fit cheap.
      const window = Math.min(y.length, 4 * FIT_POINTS);
      const factor = chooseFactor(window, [], FIT_POINTS);
      void ctx;
      let disposeNative = () => {};
      let spec = 'ZZN';
      const predict = aggregatedFit(y, factor, window, (coarse) => {
        // A flat window has no error to fit: the optimiser then searches a likelihood that does
        // not converge (about 20 times the usual fit time), and every ETS form forecasts the
        // level anyway.
        if (isFlat(coarse)) {
          spec = 'flat';
          const level = coarse[coarse.length - 1]!;
          return (h) => new Float64Array(h).fill(level);
        }
        const model = new (augursEts().AutoETS)(1, 'ZZN');
        model.fit(coarse);
        disposeNative = () => model.free();
        return (h) => Float64Array.from(model.predict(h).point);
      });
      return { params: { spec, factor, window }, predict, dispose: () => disposeNative() };
    },
  };
}
