import assert from 'node:assert/strict';
import { detectPeriods } from '../../forecaster/seasonality';
import { gaussian, generate, rng, HOUR } from './helpers';

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

  it('GIVEN two years of hourly data with daily, weekly and yearly cycles WHEN detecting THEN the day is not aliased away by the averaging of a long history', () => {
    const hours = 2 * 8760;
    const s = generate({ length: hours, stepMs: HOUR, seasons: { 24: 40, 168: 15, 8766: 30 }, noise: 5 });
    assert.deepEqual(detectPeriods(s.values, { stepMs: HOUR }), [24, 168]);
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

  /** Six weeks of 5-minute steps: a daily cycle on a wandering level, weekends lower by `weekendDrop`. */
  const wandering = (weekendDrop: number, seed: number) => {
    const rand = rng(seed);
    const day = 288;
    const values = new Float64Array(42 * day);
    let level = 100;
    for (let i = 0; i < values.length; i++) {
      level += 0.05 * gaussian(rand);
      const weekend = Math.floor(i / day) % 7 >= 5;
      values[i] = level + 30 * Math.sin((2 * Math.PI * i) / day) - (weekend ? weekendDrop : 0) + 3 * gaussian(rand);
    }
    return values;
  };

  it('GIVEN a modest weekend dip on a wandering daily series WHEN detecting THEN the week is found from the daily means', () => {
    for (const seed of [1, 2, 3]) assert.deepEqual(detectPeriods(wandering(10, seed), { stepMs: 300_000 }), [288, 2016], `seed ${seed}`);
  });

  it('GIVEN the same series without a weekend dip WHEN detecting THEN no week is claimed', () => {
    for (const seed of [1, 2, 3]) assert.deepEqual(detectPeriods(wandering(0, seed), { stepMs: 300_000 }), [288], `seed ${seed}`);
  });
});
