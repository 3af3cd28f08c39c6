/**
 * Prophet (augurs, with the Stan optimizer compiled to WASM): a piecewise-linear trend plus one
 * Fourier seasonality per detected period, fitted by MAP on an averaged, bounded window.
 *
 * Opt-in: a fit costs tens to hundreds of milliseconds against a few for the other models, and
 * on the benchmark traces adding it to the candidates left the selected pinball unchanged
 * (mean selected/naive 0.638 either way at 1 h) while backtests took about 5 times as long
 * (`node --import tsx bench/forecast.ts --prophet`).
 *
 * The model sees a gap-free window without its absolute times (the Model interface), so the
 * timestamps are relative; seasonal phases are fitted, so nothing depends on the epoch. Events
 * are not holidays here: a ForecastEvent is an advance notice with its multiplier already given,
 * and Prophet could only learn a holiday's effect from past occurrences inside the window,
 * which a one-off notice does not have. `forecast` applies the multiplier to every model alike.
 */
import { ShadowscaleError } from '../../automation/errors';
import { augursProphet, prophetOptimizer } from '../augurs';
import { aggregatedFit, chooseFactor } from './aggregate';
import type { FittedModel, Model, ModelContext } from './types';

/** Cycles of the longest season in the window: enough for the trend's changepoints to see
 * several cycles, bounded so a fit stays well under a second. */
const SEASONS_IN_WINDOW = 6;
/** Without a season, a window like the ETS one: recent enough for the level to be fresh. */
const NO_SEASON_WINDOW = 1200;
const FIT_POINTS = 600;
/** Prophet's own ceiling for the Fourier order of its built-in seasonalities. */
const MAX_FOURIER_ORDER = 10;
const DAY_MS = 86_400_000;

/**
 * Fourier orders per season (periods ascending, in coarse steps). The shortest gets as many
 * harmonics as its sampling carries (up to Prophet's usual 10). A longer season that is a
 * multiple k of a shorter one stops below its k-th harmonic, which *is* the shorter season:
 * fitting it twice only makes the two collinear.
 */
export function fourierOrders(coarsePeriods: number[]): number[] {
  return coarsePeriods.map((p, i) => {
    let order = Math.min(MAX_FOURIER_ORDER, Math.floor(p / 2) - 1);
    for (const shorter of coarsePeriods.slice(0, i)) {
      const k = p / shorter;
      if (Number.isInteger(k)) order = Math.min(order, k - 1);
    }
    return Math.max(1, order);
  });
}

export function prophetModel(ctx: ModelContext): Model {
  const longest = ctx.periods.length ? ctx.periods[ctx.periods.length - 1]! : 0;
  const lookback = longest ? SEASONS_IN_WINDOW * longest : NO_SEASON_WINDOW;
  return {
    kind: 'prophet',
    minPoints: Math.max(2 * longest, 20),
    lookback,
    fit(y: Float64Array): FittedModel {
      // Only seasons with two full cycles in this training window can be estimated.
      const periods = ctx.periods.filter((p) => 2 * p <= y.length);
      const window = Math.min(y.length, lookback);
      const factor = chooseFactor(window, periods, FIT_POINTS);
      const coarsePeriods = periods.map((p) => p / factor);
      const orders = fourierOrders(coarsePeriods);
      const bucketSec = (factor * ctx.stepMs) / 1000;
      const seasonalities = periods.map((p, i) => ({ name: `period-${p}`, periodDays: (p * ctx.stepMs) / DAY_MS, fourierOrder: orders[i]! }));
      let disposeNative = () => {};
      const predict = aggregatedFit(y, factor, window, (coarse) => {
        const first = coarse[0]!;
        // A flat window has nothing to fit, and absMax scaling of all zeros divides by zero.
        if (coarse.every((v) => v === first)) return (h) => new Float64Array(h).fill(first);
        const { Prophet } = augursProphet();
        const model = new Prophet({
          optimizer: prophetOptimizer(),
          // Only the seasons detected on this series: the built-in ones assume calendar days
          // and weeks that the series may not have.
          dailySeasonality: { type: 'manual', enabled: false },
          weeklySeasonality: { type: 'manual', enabled: false },
          yearlySeasonality: { type: 'manual', enabled: false },
          // Intervals come from calibration on the model's own errors, not from sampling.
          uncertaintySamples: 0,
        });
        disposeNative = () => model.free();
        for (const s of seasonalities) model.addSeasonality(s.name, { period: s.periodDays, fourierOrder: s.fourierOrder });
        const ds = Array.from(coarse, (_, i) => i * bucketSec);
        try {
          model.fit({ ds, y: coarse });
        } catch (err) {
          throw new ShadowscaleError('internal', 'forecast.prophet-fit', `prophet could not fit ${coarse.length} points: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err });
        }
        return (h) => {
          const future = Array.from({ length: h }, (_, k) => (coarse.length + k) * bucketSec);
          return Float64Array.from(model.predict({ ds: future }).yhat.point);
        };
      });
      return {
        params: { periods, factor, window, seasonalities: seasonalities.map((s) => ({ periodDays: s.periodDays, fourierOrder: s.fourierOrder })) },
        predict,
        dispose: () => disposeNative(),
      };
    },
  };
}
