/**
 * Loads the augurs WASM modules once, synchronously, on first use. Each module ships its own
 * .wasm next to its .js; reading it from disk keeps start-up offline and deterministic.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as mstl from '@bsull/augurs/mstl';
import * as ets from '@bsull/augurs/ets';
import * as seasons from '@bsull/augurs/seasons';
import * as changepoint from '@bsull/augurs/changepoint';

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
