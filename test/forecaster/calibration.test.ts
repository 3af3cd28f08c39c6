import assert from 'node:assert/strict';
import fc from 'fast-check';
import { forecast } from '../../forecaster';
import { buildPools, calibratedQuantiles } from '../../forecaster/calibration';
import { generate, HOUR } from './helpers';

describe('forecaster calibration', () => {
  it('GIVEN a level plus iid noise WHEN forecasting at many origins THEN the 0.95 quantile covers about 95 % out of sample', async () => {
    const s = generate({ length: 1400, stepMs: HOUR, level: 50, noise: 4, seed: 3 });
    let below95 = 0;
    let below50 = 0;
    let total = 0;
    for (let at = 900; at < 1390; at += 7) {
      const f = await forecast(s, { horizon: 4, quantiles: [0.5, 0.95], at, model: 'seasonal-naive' });
      for (let h = 0; h < 4; h++) {
        const a = s.values[at + h]!;
        if (a <= f.quantiles['0.95']![h]!) below95++;
        if (a <= f.quantiles['0.5']![h]!) below50++;
        total++;
      }
    }
    assert.ok(below95 / total > 0.91 && below95 / total < 0.99, `0.95 coverage ${below95 / total}`);
    assert.ok(below50 / total > 0.4 && below50 / total < 0.6, `0.5 coverage ${below50 / total}`);
  });

  it('GIVEN any residuals and levels WHEN calibrating THEN quantiles are monotone in the level and non-negative when asked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 3, maxLength: 40 }),
        fc.uniqueArray(fc.double({ min: 0.01, max: 0.99, noNaN: true }), { minLength: 2, maxLength: 6 }),
        fc.float({ min: -10, max: 100, noNaN: true }),
        (res, levels, level) => {
          const horizon = 3;
          const residuals = res.map((r) => Float64Array.from({ length: horizon }, (_, h) => r * (h + 1)));
          const point = Float64Array.from({ length: horizon }, () => level);
          const q = calibratedQuantiles(point, buildPools(residuals, horizon), { quantiles: levels, nonNegative: true });
          const sorted = [...levels].sort((a, b) => a - b);
          for (let h = 0; h < horizon; h++) {
            for (let i = 1; i < sorted.length; i++) assert.ok(q[String(sorted[i])]![h]! >= q[String(sorted[i - 1])]![h]!);
            for (const l of sorted) assert.ok(q[String(l)]![h]! >= 0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
