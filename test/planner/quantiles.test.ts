import assert from 'node:assert/strict';
import fc from 'fast-check';
import { criticalRatio, exceedance, expectedExcess, quantileAt, quantilePoints } from '../../automation/planner/quantiles';
import { scheduleWindow, schedulesFromFloors } from '../../automation/planner/schedules';

const pts = quantilePoints([0.5, 0.9, 0.95, 0.99], [100, 120, 130, 150]);

describe('planner quantile helpers', () => {
  it('GIVEN penalty 19 and price 1 WHEN computing the critical ratio THEN it is 0.95', () => {
    assert.equal(criticalRatio(19, 1), 0.95);
  });

  it('GIVEN four levels WHEN reading between and outside them THEN values interpolate and clamp', () => {
    assert.ok(Math.abs(quantileAt(pts, 0.925) - 125) < 1e-9);
    assert.equal(quantileAt(pts, 0.3), 100);
    assert.equal(quantileAt(pts, 0.999), 150);
  });

  it('GIVEN the quantile values WHEN asking for the exceedance at them THEN it is 1 - level, and the tail keeps falling beyond the last', () => {
    assert.ok(Math.abs(exceedance(pts, 130) - 0.05) < 1e-12);
    assert.ok(Math.abs(exceedance(pts, 150) - 0.01) < 1e-12);
    const beyond = exceedance(pts, 170);
    assert.ok(beyond > 0 && beyond < 0.01);
  });

  it('GIVEN crossed quantiles WHEN building points THEN values are made non-decreasing', () => {
    assert.deepEqual(quantilePoints([0.9, 0.5], [90, 100]).values, [100, 100]);
  });

  it('GIVEN any forecast points WHEN x grows THEN exceedance never rises and expected excess never rises', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 4, maxLength: 4 }), fc.double({ min: 0, max: 2000, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (vals, x, dx) => {
      const p = quantilePoints([0.5, 0.9, 0.95, 0.99], vals);
      assert.ok(exceedance(p, x + dx) <= exceedance(p, x) + 1e-12);
      assert.ok(expectedExcess(p, x + dx) <= expectedExcess(p, x) + 1e-9);
    }), { seed: 7, numRuns: 200 });
  });
});

describe('scaling schedules', () => {
  it('GIVEN floors over 30 one-minute steps WHEN writing schedules THEN each covers at least 300 s with the block maximum, and reads back to the same windows', () => {
    const t0 = Date.UTC(2026, 11, 31, 23, 50, 30);
    const times = Array.from({ length: 30 }, (_, i) => t0 + i * 60_000);
    const floors = times.map((_, i) => i + 1);
    const s = schedulesFromFloors('web-g1', times, floors, 60_000);
    assert.equal(s.length, 6);
    assert.deepEqual(s.map((x) => x.minRequiredReplicas), [5, 10, 15, 20, 25, 30]);
    assert.equal(s[0].schedule, '50 23 31 12 *');
    // Across the new year, the second schedule's window starts on 1 January of the next year.
    const w2 = scheduleWindow(s[2], t0);
    assert.equal(new Date(w2.startMs).toISOString(), '2027-01-01T00:00:00.000Z');
    assert.ok(s.every((x) => x.durationSec >= 300));
  });

  it('GIVEN a cron the simulator cannot read WHEN reading it THEN the error names the schedule', () => {
    assert.throws(() => scheduleWindow({ name: 'nightly', minRequiredReplicas: 1, schedule: '0 * * * 1-5', durationSec: 600, timeZone: 'Etc/UTC' }, 0), /scalingSchedules\.nightly/);
  });
});
