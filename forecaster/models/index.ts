/**
 * The candidate models, by name. `prophet` is opt-in (slow); the others are the default set.
 */
import { etsModel } from './ets';
import { linearTrendModel } from './linear-trend';
import { isProphetOptimizerLoaded, loadProphetOptimizer, prophetOptimizer } from '../augurs';
import { mstlModel } from './mstl';
import { prophetModel } from './prophet';
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
  /** Opt-in: Prophet's trend + Fourier seasons, fitted by Stan (see prophet.ts for why). */
  prophet: prophetModel,
};

export const DEFAULT_MODELS = ['seasonal-naive', 'seasonal-naive-long', 'seasonal-median', 'mstl', 'ets', 'linear-trend'];

export const BASELINE_MODEL = 'seasonal-naive';

export function buildModel(name: string, ctx: ModelContext): Model | undefined {
  const factory = MODEL_FACTORIES[name];
  return factory ? factory(ctx) : undefined;
}

/** Models with a runtime that must be loaded asynchronously before the synchronous engine. */
const ASYNC_RUNTIMES: Record<string, { load: () => Promise<void>; isLoaded: () => boolean; assertLoaded: () => void }> = {
  prophet: { load: loadProphetOptimizer, isLoaded: isProphetOptimizerLoaded, assertLoaded: () => void prophetOptimizer() },
};

/**
 * Loads what the named models need (once per process). The async entry points call it with the
 * models they were asked for, so the default set never loads Prophet's Stan runtime.
 */
export async function prepareModels(names: Iterable<string | undefined>): Promise<void> {
  for (const name of new Set(names)) {
    if (name !== undefined) await ASYNC_RUNTIMES[name]?.load();
  }
}

/** For synchronous entry points: throws the model's own "not loaded" error if one is missing. */
export function assertModelsPrepared(names: Iterable<string | undefined>): void {
  for (const name of names) {
    const runtime = name === undefined ? undefined : ASYNC_RUNTIMES[name];
    if (runtime && !runtime.isLoaded()) runtime.assertLoaded();
  }
}
