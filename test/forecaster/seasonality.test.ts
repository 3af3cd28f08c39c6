import assert from 'node:assert/strict';
import { detectPeriods } from '../../forecaster/seasonality';
import { generate, HOUR } from './helpers';

describe('forecaster/seasonality detectPeriods', () => {
  it('GIVEN an hourly series with a daily cycle WHEN detecting THEN it finds 24 steps', () => {
    const s = generate({ length: 24 * 21, stepMs: HOUR, seasons: { 24: 30 }, noise: 3 });
    assert.deepEqual(detectPeriods(s.values, { stepMs: HOUR }), [24]);
  });

  it('GIVEN 5-minute data with daily and weekly cycles WHEN detecting THEN it finds both, in steps', () => {
    const step = 5 * 60_000;
    const s = generate({ length: 288 * 35, stepMs: step, seasons: { 288: 30, 2016: 25 }, noise: 3 });
    assert.deepEqual(detectPeriods(s.values, { stepMs: step }), [288, 2016]);
  });

  it('GIVEN a season that is no calendar period WHEN detecting without a step THEN it still finds it', () => {
    const s = generate({ length: 50 * 12, stepMs: 60_000, seasons: { 50: 10 }, noise: 1 });
    assert.deepEqual(detectPeriods(s.values), [50]);
  });

  it('GIVEN white noise WHEN detecting THEN no season is claimed', () => {
    const s = generate({ length: 2000, stepMs: HOUR, noise: 5, seed: 7 });
    assert.deepEqual(detectPeriods(s.values, { stepMs: HOUR }), []);
  });

  it('GIVEN gaps in the series WHEN detecting THEN gaps do not hide the season', () => {
    const s = generate({ length: 24 * 21, stepMs: HOUR, seasons: { 24: 30 }, noise: 3 });
    for (let i = 100; i < 130; i++) s.values[i] = NaN;
    assert.deepEqual(detectPeriods(s.values, { stepMs: HOUR }), [24]);
  });
});
