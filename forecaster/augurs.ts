/**
 * Loads the augurs WASM modules once, synchronously, on first use. Each module ships its own
 * .wasm next to its .js; reading it from disk keeps start-up offline and deterministic.
 *
 * Prophet's Stan optimizer (@bsull/augurs-prophet-wasmstan) is the exception: it is an ES module
 * with top-level await, which only `import()` can load. The async entry points call
 * `loadProphetOptimizer` once before the synchronous engine runs, and only when prophet was asked
 * for, so that nobody else pays for loading Stan.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ShadowscaleError } from '../automation/errors';
import * as prophet from '@bsull/augurs/prophet';
import * as mstl from '@bsull/augurs/mstl';
import * as ets from '@bsull/augurs/ets';
import * as seasons from '@bsull/augurs/seasons';
import * as changepoint from '@bsull/augurs/changepoint';

type ProphetOptimizer = ConstructorParameters<typeof prophet.Prophet>[0]['optimizer'];

const loaded = new Set<string>();

function ensure(name: string, init: (m: { module: Buffer }) => unknown): void {
  if (loaded.has(name)) return;
  const dir = dirname(require.resolve(`@bsull/augurs/${name}`));
  init({ module: readFileSync(join(dir, `${name}_bg.wasm`)) });
  loaded.add(name);
}

export function augursMstl(): typeof mstl {
  ensure('mstl', mstl.initSync);
  return mstl;
}

export function augursEts(): typeof ets {
  ensure('ets', ets.initSync);
  return ets;
}

export function augursSeasons(): typeof seasons {
  ensure('seasons', seasons.initSync);
  return seasons;
}

export function augursChangepoint(): typeof changepoint {
  ensure('changepoint', changepoint.initSync);
  return changepoint;
}

export function augursProphet(): typeof prophet {
  ensure('prophet', prophet.initSync);
  return prophet;
}

let prophetOptimizerModule: ProphetOptimizer | undefined;
let prophetOptimizerLoading: Promise<ProphetOptimizer> | undefined;

/** Loads the Stan optimizer once; concurrent callers share the same load. */
export async function loadProphetOptimizer(): Promise<void> {
  if (prophetOptimizerModule) return;
  prophetOptimizerLoading ??= import('@bsull/augurs-prophet-wasmstan').then((m) => m.optimizer);
  try {
    prophetOptimizerModule = await prophetOptimizerLoading;
  } catch (err) {
    prophetOptimizerLoading = undefined;
    throw new ShadowscaleError('internal', 'forecast.prophet-unavailable', 'could not load the Prophet optimizer (@bsull/augurs-prophet-wasmstan); is the package installed?', {}, { cause: err });
  }
}

export function isProphetOptimizerLoaded(): boolean {
  return prophetOptimizerModule !== undefined;
}

/** The loaded optimizer; a synchronous caller that reaches prophet without the async load is a bug. */
export function prophetOptimizer(): ProphetOptimizer {
  if (!prophetOptimizerModule) {
    throw new ShadowscaleError('internal', 'forecast.prophet-not-loaded', 'the prophet model needs its Stan optimizer loaded first: call `await prepareModels([\'prophet\'])` (forecaster/models) before the synchronous engine, as forecast() and backtest() do');
  }
  return prophetOptimizerModule;
}
