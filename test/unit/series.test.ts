import assert from 'node:assert/strict';
import { ShadowscaleError } from '../../automation/errors';
import { fillGapsForModel, gapStats, indexOf, inferStepMs, resample, sliceSeries, timeAt, toGrid, type RawPoint } from '../../forecaster/series';
import type { Series } from '../../forecaster/types';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);

/** Points at T0 + minute[i] with the given values, rows numbered 1.. in input order. */
function pts(minutes: number[], values: number[]): RawPoint[] {
  return minutes.map((m, i) => ({ t: T0 + m * MIN, v: values[i]!, row: i + 1 }));
}

function arr(s: Series): number[] {
  return Array.from(s.values);
}

describe('series: toGrid', () => {
  it('GIVEN regular minute points WHEN no step is given THEN it infers 60 s and keeps every value', () => {
    const { series, report } = toGrid(pts([0, 1, 2, 3], [5, 6, 7, 8]), { name: 'x' });
    assert.equal(series.stepMs, MIN);
    assert.equal(series.startMs, T0);
    assert.deepEqual(arr(series), [5, 6, 7, 8]);
    assert.equal(report.stepInferred, true);
    assert.equal(report.rowsRead, 4);
    assert.deepEqual(report.gaps, { count: 0, missingSteps: 0, longestSteps: 0 });
  });

  it('GIVEN mostly 5-minute spacing with a few long gaps WHEN inferring the step THEN the median spacing (5 min) wins', () => {
    const { series, report } = toGrid(pts([0, 5, 10, 40, 45, 50, 120, 125], [1, 1, 1, 1, 1, 1, 1, 1]), { name: 'x' });
    assert.equal(series.stepMs, 5 * MIN);
    assert.equal(series.values.length, 26);
    assert.deepEqual(report.gaps, { count: 2, missingSteps: 18, longestSteps: 13 });
  });

  it('GIVEN missing steps WHEN gridded THEN they are NaN gaps, never 0', () => {
    const { series, report } = toGrid(pts([0, 1, 4, 5], [1, 2, 5, 6]), { name: 'x', stepMs: MIN });
    assert.deepEqual(arr(series), [1, 2, NaN, NaN, 5, 6]);
    assert.equal(report.gaps.count, 1);
    assert.equal(report.gaps.longestSteps, 2);
    assert.equal(report.stepInferred, false);
  });

  it('GIVEN rows out of order WHEN gridded THEN they are sorted and counted', () => {
    const { series, report } = toGrid(pts([2, 0, 1, 3], [30, 10, 20, 40]), { name: 'x' });
    assert.deepEqual(arr(series), [10, 20, 30, 40]);
    assert.equal(report.outOfOrderRows, 1);
  });

  it('GIVEN duplicate timestamps WHEN gridded THEN their values are averaged and counted', () => {
    const { series, report } = toGrid(pts([0, 1, 1, 1, 2], [1, 2, 4, 9, 3]), { name: 'x' });
    assert.equal(series.stepMs, MIN);
    assert.deepEqual(arr(series), [1, 5, 3]);
    assert.equal(report.duplicatesAveraged, 2);
  });

  it('GIVEN times a little off the grid WHEN gridded THEN they snap to the nearest step of the grid anchored at the first time', () => {
    const points: RawPoint[] = [
      { t: T0, v: 1, row: 1 },
      { t: T0 + MIN + 2_000, v: 2, row: 2 },
      { t: T0 + 2 * MIN - 3_000, v: 3, row: 3 },
    ];
    const { series, report } = toGrid(points, { name: 'x', stepMs: MIN });
    assert.deepEqual(arr(series), [1, 2, 3]);
    assert.equal(report.snappedRows, 2);
  });

  it('GIVEN negative and NaN values WHEN gridded THEN they become gaps and their rows are reported', () => {
    const { series, report } = toGrid(pts([0, 1, 2, 3, 4], [1, -5, NaN, 4, Infinity]), { name: 'x' });
    assert.deepEqual(arr(series), [1, NaN, NaN, 4, NaN]);
    assert.deepEqual(report.dropped, { count: 3, firstRows: [2, 3, 5] });
  });

  it('GIVEN a negative value on a duplicated timestamp WHEN gridded THEN only the valid duplicate is used', () => {
    const { series } = toGrid(pts([0, 1, 1], [1, -3, 7]), { name: 'x' });
    assert.deepEqual(arr(series), [1, 7]);
  });

  it('GIVEN 1-minute data WHEN resampled to 5 minutes THEN buckets align to the 5-minute clock and average non-NaN values', () => {
    // Starts at 00:03, so the first bucket [00:00, 00:05) holds 00:03 and 00:04 only.
    const minutes = [3, 4, 5, 6, 7, 8, 9, 15];
    const { series, report } = toGrid(pts(minutes, [2, 4, 1, 2, 3, 4, 5, 9]), { name: 'x', resampleMs: 5 * MIN });
    assert.equal(series.stepMs, 5 * MIN);
    assert.equal(series.startMs, T0);
    assert.deepEqual(arr(series), [3, 3, NaN, 9]);
    assert.equal(report.resampledFromMs, MIN);
    assert.equal(report.stepMs, 5 * MIN);
    assert.equal(report.gaps.count, 1);
  });

  it('GIVEN a resample step that is not a multiple of the series step WHEN gridded THEN the input error names --resample', () => {
    assert.throws(
      () => toGrid(pts([0, 2, 4], [1, 2, 3]), { name: 'x', resampleMs: 3 * MIN }),
      (e: unknown) => e instanceof ShadowscaleError && e.kind === 'input' && /--resample/.test(e.message) && /120000 ms/.test(e.message),
    );
  });

  it('GIVEN one stray timestamp decades away WHEN gridded THEN it is an input error naming the span, not a huge allocation', () => {
    const points: RawPoint[] = [...pts([0, 1, 2], [1, 2, 3]), { t: T0 + 40 * 365 * 24 * 60 * MIN, v: 4, row: 4 }];
    assert.throws(() => toGrid(points, { name: 'x.csv' }), (e: unknown) => e instanceof ShadowscaleError && e.code === 'grid-too-large' && /x\.csv/.test(e.message) && /stray timestamp/.test(e.message));
  });

  it('GIVEN no points WHEN gridded THEN it is an input error about an empty series', () => {
    assert.throws(() => toGrid([], { name: 'f.csv' }), (e: unknown) => e instanceof ShadowscaleError && e.code === 'empty-series' && /f\.csv/.test(e.message));
  });

  it('GIVEN a single timestamp and no step WHEN gridded THEN it says the step cannot be inferred from one time', () => {
    assert.throws(() => toGrid(pts([0, 0], [1, 2]), { name: 'x' }), (e: unknown) => e instanceof ShadowscaleError && /two or more distinct times/.test(e.message) && e.code === 'step-unknown');
  });
});

describe('series: helpers', () => {
  const s: Series = { name: 's', startMs: T0, stepMs: MIN, values: Float64Array.from([0, 1, 2, 3, 4, 5]) };

  it('GIVEN a series WHEN sliced THEN values and start time move together', () => {
    const part = sliceSeries(s, 2, 4);
    assert.deepEqual(arr(part), [2, 3]);
    assert.equal(part.startMs, T0 + 2 * MIN);
    assert.deepEqual(arr(sliceSeries(s, -2)), [4, 5]);
    assert.equal(sliceSeries(s, -2).startMs, T0 + 4 * MIN);
  });

  it('GIVEN a slice WHEN its values change THEN the original is untouched', () => {
    const part = sliceSeries(s, 0, 2);
    part.values[0] = 99;
    assert.equal(s.values[0], 0);
  });

  it('GIVEN a grid WHEN asking times and indexes THEN they are inverse (floor inside a step)', () => {
    assert.equal(timeAt(s, 3), '2024-01-01T00:03:00.000Z');
    assert.equal(indexOf(s, T0 + 3 * MIN), 3);
    assert.equal(indexOf(s, T0 + 3 * MIN + 59_999), 3);
    assert.equal(indexOf(s, T0 - 1), -1);
    assert.equal(timeAt(s, 8), '2024-01-01T00:08:00.000Z');
  });

  it('GIVEN interior and edge gaps WHEN filled for a model THEN interior is linear, edges take the nearest value, input unchanged', () => {
    const input = Float64Array.from([NaN, NaN, 2, NaN, NaN, 8, NaN]);
    const out = fillGapsForModel(input);
    assert.deepEqual(Array.from(out), [2, 2, 2, 4, 6, 8, 8]);
    assert.ok(Number.isNaN(input[0]!));
  });

  it('GIVEN only gaps WHEN filled THEN it is an error, not a made-up series', () => {
    assert.throws(() => fillGapsForModel([NaN, NaN]), ShadowscaleError);
  });

  it('GIVEN spacing samples WHEN inferring the step THEN the lower median is returned', () => {
    assert.equal(inferStepMs([0, 10, 20, 50, 60]), 10);
    assert.equal(inferStepMs([0]), undefined);
  });

  it('GIVEN runs of NaN WHEN counting gaps THEN count, total and longest are right', () => {
    assert.deepEqual(gapStats([NaN, 1, NaN, NaN, 2, NaN]), { count: 3, missingSteps: 4, longestSteps: 2 });
  });

  it('GIVEN a series WHEN resampled to its own step THEN it is a copy with the same values', () => {
    const same = resample(s, MIN);
    assert.deepEqual(arr(same), arr(s));
    assert.notEqual(same.values, s.values);
  });
});
