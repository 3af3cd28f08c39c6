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
});
