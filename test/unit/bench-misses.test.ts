import assert from 'node:assert/strict';
import { missConcentration } from '../../bench/forecast';

/** An origin whose 0.95 quantile is 10 and whose actuals exceed it `missed` times out of 10. */
const origin = (i: number, missed: number) => ({
  time: `t${String(i).padStart(2, '0')}`,
  quantiles: { '0.95': new Array<number>(10).fill(10) },
  actuals: Array.from({ length: 10 }, (_, h) => (h < missed ? 11 : 9)),
});

describe('bench: where coverage misses fall', () => {
  it('GIVEN well covered origins around a run of badly covered ones WHEN diagnosed THEN the longest run is named with its share of misses and the rest covers as they do', () => {
    const origins = [origin(0, 0), origin(1, 0), origin(2, 5), origin(3, 9), origin(4, 10), origin(5, 0), origin(6, 2), origin(7, 3), origin(8, 0)];
    const m = missConcentration(origins);
    assert.deepEqual([m.origins, m.firstTime, m.lastTime], [3, 't02', 't04']);
    assert.ok(Math.abs(m.coverage - 6 / 30) < 1e-12);
    assert.ok(Math.abs(m.share - 24 / 29) < 1e-12);
    // A shorter run (t06, t07) stays among the rest.
    assert.ok(Math.abs(m.restCoverage - (1 - 5 / 60)) < 1e-12);
  });

  it('GIVEN every origin above 0.93 WHEN diagnosed THEN no run is named', () => {
    const m = missConcentration([origin(0, 0), origin(1, 0)]);
    assert.equal(m.origins, 0);
    assert.equal(m.restCoverage, 1);
  });
});
