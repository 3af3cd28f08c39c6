/**
 * The candidate models, by name. `prophet` is opt-in (slow); the others are the default set.
 */
import { etsModel } from './ets';
import { linearTrendModel } from './linear-trend';
import { mstlModel } from './mstl';
import { seasonalMedian, seasonalNaive } from './seasonal-naive';
import type { Model, ModelContext, ModelFactory } from './types';

export type { FittedModel, Model, ModelContext, ModelFactory } from './types';

/** Seasons the seasonal median looks back over: an odd count, so one outlier season is ignored. */
const MEDIAN_CYCLES = 5;

export const MODEL_FACTORIES: Record<string, ModelFactory> = {
  /** One shortest season ago (one step ago when no season was found). */
  'seasonal-naive': (ctx) => seasonalNaive(ctx.periods[0] ?? 1),
  /** One longest season ago (e.g. last week), when a second, longer season was found. */
  'seasonal-naive-long': (ctx) => (ctx.periods.length > 1 ? seasonalNaive(ctx.periods[ctx.periods.length - 1]!, 'seasonal-naive-long') : undefined),
  /** Median of the same phase over the last few shortest seasons (robust to one-off bursts). */
  'seasonal-median': (ctx) => (ctx.periods.length ? seasonalMedian(ctx.periods[0]!, MEDIAN_CYCLES) : undefined),
  mstl: mstlModel,
  ets: etsModel,
  'linear-trend': linearTrendModel,
};

export const DEFAULT_MODELS = ['seasonal-naive', 'seasonal-naive-long', 'seasonal-median', 'mstl', 'ets', 'linear-trend'];

export const BASELINE_MODEL = 'seasonal-naive';

export function buildModel(name: string, ctx: ModelContext): Model | undefined {
  const factory = MODEL_FACTORIES[name];
  return factory ? factory(ctx) : undefined;
}
