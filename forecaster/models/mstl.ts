/**
 * MSTL (augurs): multiple seasonal-trend decomposition by Loess, with an AutoETS trend, fitted on
 * an averaged copy of the last few longest seasons.
 */
import { augursMstl } from '../augurs';
import { aggregatedFit, chooseFactor } from './aggregate';
import type { FittedModel, Model, ModelContext } from './types';

/** Seasons of history the fit sees: enough for a stable decomposition, bounded for speed. */
const SEASONS_IN_WINDOW = 4;
const FIT_POINTS = 400;

export function mstlModel(ctx: ModelContext): Model | undefined {
  if (!ctx.periods.length) return undefined;
  const longest = ctx.periods[ctx.periods.length - 1]!;
  return {
    kind: 'mstl',
    minPoints: 2 * longest,
    lookback: SEASONS_IN_WINDOW * longest,
    fit(y: Float64Array): FittedModel {
      // Only seasons with two full cycles in this training window can be decomposed.
      const periods = ctx.periods.filter((p) => 2 * p <= y.length);
      const window = Math.min(y.length, SEASONS_IN_WINDOW * Math.max(...periods));
      const factor = chooseFactor(window, periods, FIT_POINTS);
      const coarsePeriods = periods.map((p) => p / factor);
      let disposeNative = () => {};
      const predict = aggregatedFit(y, factor, window, (coarse) => {
        const model = augursMstl().MSTL.ets(coarsePeriods);
        model.fit(coarse);
        disposeNative = () => model.free();
        return (h) => Float64Array.from(model.predict(h).point);
      });
      return { params: { periods, factor, window }, predict, dispose: () => disposeNative() };
    },
  };
}
