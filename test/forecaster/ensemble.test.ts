import assert from 'node:assert/strict';
import { forecast } from '../../forecaster';
import { ENSEMBLE_MODEL, ensembleForecaster, type Forecaster } from '../../forecaster/engine';
import { seasonalMedian } from '../../forecaster/models/seasonal-naive';
import { clearlyLower } from '../../forecaster/select';
import { generate, HOUR } from './helpers';

/** A stand-in member that forecasts a constant and records what it was rebound to. */
function constant(name: string, value: number, horizon: number, seen: Float64Array[] = []): Forecaster {
  return {
    name,
    at: () => new Float64Array(horizon).fill(value),
    paramsAt: () => ({ value }),
    trainEndAt: (o) => o - value,
    rebind: (v) => { seen.push(v); return constant(name, value, horizon, seen); },
  };
}

describe('forecaster seasonal median and ensemble', () => {
  it('GIVEN five seasons with a burst in the last one WHEN the seasonal median forecasts THEN the burst does not repeat', () => {
    const period = 6;
    const y = Float64Array.from({ length: 5 * period }, (_, i) => 10 + (i % period));
    y[4 * period + 2] = 500;
    const p = seasonalMedian(period, 5).fit(y).predict(2 * period);
    assert.deepEqual(Array.from(p), [10, 11, 12, 13, 14, 15, 10, 11, 12, 13, 14, 15]);
  });

  it('GIVEN fewer seasons than asked WHEN the seasonal median fits THEN it uses the whole seasons it has and says how many', () => {
    const y = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const fitted = seasonalMedian(4, 5).fit(y);
    assert.equal(fitted.params.cycles, 2);
    // Two seasons: the median of an even count is the mean of the middle pair.
    assert.deepEqual(Array.from(fitted.predict(4)), [3, 4, 5, 6]);
  });

  it('GIVEN members forecasting 2 and 8 WHEN the ensemble forecasts THEN it is their mean, names them, and rebinds every member', () => {
    const seen: Float64Array[] = [];
    const e = ensembleForecaster([constant('a', 2, 3, seen), constant('b', 8, 3, seen)], 3);
    assert.equal(e.name, ENSEMBLE_MODEL);
    assert.deepEqual(Array.from(e.at(10)), [5, 5, 5]);
    assert.deepEqual(e.paramsAt(10).members, ['a', 'b']);
    assert.equal(e.trainEndAt(10), 2);
    const other = new Float64Array(4);
    assert.deepEqual(Array.from(e.rebind(other).at(10)), [5, 5, 5]);
    assert.deepEqual(seen, [other, other]);
  });

  it('GIVEN a seasonal series WHEN forecasting THEN the ensemble is scored beside the single models', async () => {
    const s = generate({ length: 24 * 24, stepMs: HOUR, seasons: { 24: 30 }, noise: 3, seed: 5 });
    const f = await forecast(s, { horizon: 12, quantiles: [0.5, 0.95] });
    assert.ok(f.selection?.[ENSEMBLE_MODEL], `no ensemble among ${Object.keys(f.selection ?? {}).join(', ')}`);
    assert.ok(f.selection?.['seasonal-median'], 'the seasonal median is a candidate');
    assert.ok(Number.isFinite(f.selection[ENSEMBLE_MODEL]!.score));
  });

  it('GIVEN a forced single model WHEN forecasting THEN no ensemble is built', async () => {
    const s = generate({ length: 24 * 24, stepMs: HOUR, seasons: { 24: 30 }, noise: 3, seed: 5 });
    const f = await forecast(s, { horizon: 12, quantiles: [0.5, 0.95], model: 'seasonal-median' });
    assert.equal(f.model, 'seasonal-median');
    assert.deepEqual(Object.keys(f.selection ?? {}), ['seasonal-median']);
  });
});

describe('forecaster selection: a single model over the ensemble only beyond the noise', () => {
  const scores = (values: number[]) => Float64Array.from(values);

  it('GIVEN a single model lower on every batch of origins WHEN compared THEN it is clearly lower', () => {
    const ensemble = scores(Array.from({ length: 24 }, (_, i) => 10 + (i % 3)));
    const single = scores([...ensemble].map((v) => v - 2));
    assert.equal(clearlyLower(single, ensemble, 4), true);
  });

  it('GIVEN a lower mean carried by one batch of overlapping origins WHEN compared THEN it is not clearly lower', () => {
    // One horizon's worth of origins (one batch) much better, the rest slightly worse: a lucky
    // stretch, not evidence.
    const ensemble = scores(Array.from({ length: 24 }, () => 10));
    const single = scores(Array.from({ length: 24 }, (_, i) => (i < 4 ? 0 : 10.5)));
    assert.ok(single.reduce((s, v) => s + v, 0) < ensemble.reduce((s, v) => s + v, 0), 'the single model has the lower mean');
    assert.equal(clearlyLower(single, ensemble, 4), false);
  });

  it('GIVEN fewer origins than two batches WHEN compared THEN there is no evidence either way (the ensemble stays)', () => {
    assert.equal(clearlyLower(scores([1, 1, 1]), scores([5, 5, 5]), 3), false);
  });

  it('GIVEN origins with nothing to score WHEN compared THEN they are left out of the difference', () => {
    const ensemble = scores([NaN, ...Array.from({ length: 12 }, (_, i) => 10 + (i % 2))]);
    const single = scores([0, ...Array.from({ length: 12 }, (_, i) => 8 + (i % 2))]);
    assert.equal(clearlyLower(single, ensemble, 3), true);
  });
});
