import { strict as assert } from 'node:assert';
import { calibrationOrigins } from '../../forecaster/engine';

describe('forecaster coverage: calibration origins', () => {
  it('GIVEN a short horizon and a daily base season WHEN choosing calibration origins THEN they span at least one full cycle', () => {
    // 5-minute steps: a 1 h horizon is 12 steps, a day 288 steps.
    const origins = calibrationOrigins(10_000, 12, 600, [288, 2016]);
    assert.equal(origins[0], 10_000 - 12);
    assert.ok(origins[0]! - origins[origins.length - 1]! >= 288 - 2, `span ${origins[0]! - origins[origins.length - 1]!}`);
  });

  it('GIVEN no season WHEN choosing calibration origins THEN the stride follows the horizon alone', () => {
    const origins = calibrationOrigins(1000, 24, 50);
    assert.equal(origins[0]! - origins[1]!, 2);
    assert.ok(origins.every((o) => o >= 50));
  });
});
