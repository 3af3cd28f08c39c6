import assert from 'node:assert/strict';
import { seasonalNaive } from '../../forecaster/models/seasonal-naive';
import { mstlModel } from '../../forecaster/models/mstl';
import { linearTrendModel } from '../../forecaster/models/linear-trend';
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
