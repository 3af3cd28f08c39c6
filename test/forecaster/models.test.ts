import assert from 'node:assert/strict';
import { seasonalNaive } from '../../forecaster/models/seasonal-naive';
import { mstlModel } from '../../forecaster/models/mstl';
import { linearTrendModel } from '../../forecaster/models/linear-trend';
import { etsModel } from '../../forecaster/models/ets';
import type { Model } from '../../forecaster/models';
import { FitCache, makeForecaster } from '../../forecaster/engine';
import { generate, HOUR } from './helpers';

describe('forecaster/models', () => {
  it('GIVEN a history WHEN seasonal naive forecasts past one season THEN each step repeats the value one season earlier exactly', () => {
    const y = Float64Array.from({ length: 30 }, (_, i) => i * i);
    const p = seasonalNaive(7).fit(y).predict(10);
    // Steps 0..6 are the last season (23..29); steps 7..9 wrap around to it again.
    assert.deepEqual(Array.from(p), [23, 24, 25, 26, 27, 28, 29, 23, 24, 25].map((i) => i * i));
  });

  it('GIVEN a clean daily sine WHEN MSTL forecasts a day THEN it follows the cycle closely', () => {
    const s = generate({ length: 24 * 14, stepMs: HOUR, seasons: { 24: 30 }, noise: 0.5 });
    const model = mstlModel({ periods: [24], stepMs: HOUR })!;
    const fitted = model.fit(s.values);
    const p = fitted.predict(24);
    fitted.dispose?.();
    for (let h = 0; h < 24; h++) {
      const truth = 100 + 30 * Math.sin((2 * Math.PI * (s.values.length + h)) / 24);
      assert.ok(Math.abs(p[h]! - truth) < 3, `step ${h}: ${p[h]} vs ${truth}`);
    }
  });

  it('GIVEN a straight rising line WHEN the linear trend forecasts THEN it extends the line', () => {
    const y = Float64Array.from({ length: 100 }, (_, i) => 5 + 2 * i);
    const p = linearTrendModel({ periods: [], stepMs: HOUR }).fit(y).predict(3);
    assert.ok(Math.abs(p[0]! - 205) < 1e-6 && Math.abs(p[2]! - 209) < 1e-6, String(Array.from(p)));
  });
});

/** A model whose fit forecasts the mean of what it saw, and which counts its fits and their ends. */
function countingModel(fitEnds: number[]): Model {
  return {
    kind: 'counting',
    minPoints: 1,
    lookback: 1_000_000,
    fit(y) {
      fitEnds.push(y.length);
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      return { params: {}, predict: (h) => new Float64Array(h).fill(mean) };
    },
  };
}

describe('forecaster/engine refit schedule', () => {
  it('GIVEN a minimum training length just past a multiple of the refit spacing WHEN forecasting from every origin up to the next multiple THEN one fit, at the minimum, serves them all', () => {
    const s = generate({ length: 2000, stepMs: HOUR, seasons: { 24: 10 }, noise: 1 });
    const fitEnds: number[] = [];
    const spacing = 288;
    const minTrain = 2 * 290;
    const f = makeForecaster('counting', countingModel(fitEnds), s.values, { periods: [], stepMs: HOUR }, 12, spacing, minTrain, new FitCache());
    for (let o = minTrain; o < 3 * spacing; o++) f.at(o);
    // One fit, not one per origin.
    assert.deepEqual(fitEnds, [minTrain]);
  });

  it('GIVEN a replay that forecasts from every step WHEN an origin falls on a refit point THEN the fit there serves it and the following origins (one fit per refit point, not two)', () => {
    const s = generate({ length: 2000, stepMs: HOUR, seasons: { 24: 10 }, noise: 1 });
    const fitEnds: number[] = [];
    const f = makeForecaster('counting', countingModel(fitEnds), s.values, { periods: [], stepMs: HOUR }, 12, 24, 48, new FitCache());
    for (let o = 48; o < 48 + 5 * 24; o++) f.at(o);
    assert.deepEqual(fitEnds, [48, 72, 96, 120, 144]);
  });

  it('GIVEN origins past the first multiple of the spacing WHEN forecasting THEN fits are at the multiples and never read rows at or after the origin', () => {
    const s = generate({ length: 2000, stepMs: HOUR, seasons: { 24: 10 }, noise: 1 });
    const fitEnds: number[] = [];
    const f = makeForecaster('counting', countingModel(fitEnds), s.values, { periods: [], stepMs: HOUR }, 12, 288, 580, new FitCache());
    const origins = [580, 700, 864, 1000, 1151, 1152];
    for (const o of origins) {
      f.at(o);
      assert.ok(f.trainEndAt(o) <= o, `fit for origin ${o} ends at ${f.trainEndAt(o)}`);
    }
    assert.deepEqual([...new Set(fitEnds)], [580, 864, 1152]);
  });
});

describe('forecaster/models ets on a flat window', () => {
  it('GIVEN a constant series WHEN fitting ETS THEN it forecasts that constant without running the optimiser', () => {
    const y = new Float64Array(1200).fill(42);
    const fitted = etsModel({ periods: [], stepMs: HOUR }).fit(y);
    const point = fitted.predict(24);
    fitted.dispose?.();
    assert.deepEqual([...point], new Array(24).fill(42));
    assert.equal(fitted.params['spec'], 'flat');
  });

  it('GIVEN a series that varies WHEN fitting ETS THEN AutoETS is fitted as before', () => {
    const s = generate({ length: 1200, stepMs: HOUR, seasons: { 24: 10 }, noise: 2 });
    const fitted = etsModel({ periods: [], stepMs: HOUR }).fit(s.values);
    const point = fitted.predict(6);
    fitted.dispose?.();
    assert.equal(fitted.params['spec'], 'ZZN');
    assert.ok(point.every((v) => Number.isFinite(v)));
  });
});
