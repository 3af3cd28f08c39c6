import assert from 'node:assert/strict';
import { detectChangepoint, shouldRetrain } from '../../forecaster';
import type { ModelRecord } from '../../automation/ports';
import { generate, HOUR } from './helpers';

const record: ModelRecord = { workload: 'web', version: 3, kind: 'mstl', params: {}, trainStart: '2024-01-01T00:00:00Z', trainEnd: '2024-01-10T00:00:00Z', scores: { pinball: 2 }, createdAt: '2024-01-10T00:00:00Z' };
const base = { record, now: new Date('2024-01-10T12:00:00Z'), recentScore: 2.1, changepointDetected: false, maxAgeMs: 86_400_000, accuracyThreshold: 1.5 };

describe('forecaster shouldRetrain', () => {
  it('GIVEN no record WHEN asked THEN retrain: no-model', () => {
    assert.deepEqual([shouldRetrain({ ...base, record: undefined }).retrain, shouldRetrain({ ...base, record: undefined }).reason], [true, 'no-model']);
  });
  it('GIVEN a record older than the maximum age WHEN asked THEN retrain: stale', () => {
    assert.equal(shouldRetrain({ ...base, now: new Date('2024-01-12T00:00:00Z') }).reason, 'stale');
  });
  it('GIVEN a recent loss above threshold x the recorded one WHEN asked THEN retrain: accuracy', () => {
    assert.equal(shouldRetrain({ ...base, recentScore: 3.5 }).reason, 'accuracy');
  });
  it('GIVEN a detected changepoint WHEN asked THEN retrain: changepoint', () => {
    assert.equal(shouldRetrain({ ...base, changepointDetected: true }).reason, 'changepoint');
  });
  it('GIVEN a fresh, accurate model WHEN asked THEN no retrain', () => {
    assert.deepEqual([shouldRetrain(base).retrain, shouldRetrain(base).reason], [false, 'fresh']);
  });
  it('GIVEN a level shift after the training end WHEN detecting changepoints THEN one is found; without it none is', () => {
    const s = generate({ length: 400, stepMs: HOUR, level: 10, noise: 1, seed: 5 });
    assert.equal(detectChangepoint(s.values, 300), false);
    for (let i = 340; i < 400; i++) s.values[i]! += 15;
    assert.equal(detectChangepoint(s.values, 300), true);
  });
  it('GIVEN a clean daily cycle checked hourly for a day WHEN detecting changepoints at its season THEN none fires (on the raw values one fired every few hours); a level shift still does', () => {
    const day = 288;
    const s = generate({ length: 10 * day, stepMs: 300_000, seasons: { [day]: 50 }, level: 100, noise: 5, seed: 3 });
    const ticks = (values: Float64Array, period?: number) => {
      let fired = 0;
      let since = 7 * day;
      for (let end = since + 12; end <= 8 * day; end += 12) {
        if (detectChangepoint(values.subarray(0, end), since, { period })) { fired++; since = end; }
      }
      return fired;
    };
    assert.equal(ticks(s.values, day), 0);
    assert.ok(ticks(s.values) >= 4, 'the raw cycle looks like a run of mean changes to the detector');
    const shifted = Float64Array.from(s.values);
    for (let i = 7 * day + 144; i < shifted.length; i++) shifted[i]! += 40;
    assert.equal(ticks(shifted, day), 1);
  });
});
