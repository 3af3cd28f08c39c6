import assert from 'node:assert/strict';
import { forecast } from '../../forecaster';
import { flagAnomalies } from '../../forecaster/anomalies';
import { generate, gaussian, rng } from './helpers';

/** Older rows of noisy errors and a newest row (first) of typical zero errors, for the tests to edit. */
function residualRows(rows: number, horizon: number, seed: number): Float64Array[] {
  const rand = rng(seed);
  return Array.from({ length: rows }, (_, j) => Float64Array.from({ length: horizon }, () => (j ? gaussian(rand) : 0)));
}

describe('forecaster anomalies', () => {
  const horizon = 24;
  const origin = 1000;
  const values = new Float64Array(origin + horizon).fill(7);

  it('GIVEN one outlying error inside the newest row WHEN flagging THEN only that point is an anomaly', () => {
    const rows = residualRows(60, horizon, 3);
    rows[0]![10] = 40;
    assert.deepEqual(flagAnomalies(rows, origin, values, horizon, 6).map((a) => [a.index, a.levelShift]), [[origin + 10, false]]);
  });

  it('GIVEN the newest errors all far above the others for at least the persistence span WHEN flagging THEN they are reported as a level shift, the earlier outlier as an outlier', () => {
    const rows = residualRows(60, horizon, 4);
    for (let h = horizon - 8; h < horizon; h++) rows[0]![h] = 40;
    rows[0]![3] = -40;
    const flagged = flagAnomalies(rows, origin, values, horizon, 6);
    assert.deepEqual(flagged.filter((a) => !a.levelShift).map((a) => a.index), [origin + 3]);
    assert.deepEqual(flagged.filter((a) => a.levelShift).map((a) => a.index), Array.from({ length: 8 }, (_, i) => origin + horizon - 8 + i));
  });

  it('GIVEN a run at the end shorter than the persistence span WHEN flagging THEN it is still masked as anomalies', () => {
    const rows = residualRows(60, horizon, 5);
    for (let h = horizon - 3; h < horizon; h++) rows[0]![h] = 40;
    assert.deepEqual(flagAnomalies(rows, origin, values, horizon, 6).map((a) => [a.index, a.levelShift]), [[origin + 21, false], [origin + 22, false], [origin + 23, false]]);
  });

  it('GIVEN a run at the end that changes side WHEN flagging THEN only its same-side tail counts towards a shift', () => {
    const rows = residualRows(60, horizon, 6);
    for (let h = horizon - 8; h < horizon - 2; h++) rows[0]![h] = -40;
    rows[0]![horizon - 2] = 40;
    rows[0]![horizon - 1] = 40;
    assert.equal(flagAnomalies(rows, origin, values, horizon, 6).filter((a) => !a.levelShift).length, 8);
  });

  it('GIVEN a level jump between two daily refits WHEN forecasting a day ahead with a refitted model THEN it forecasts the new level', async () => {
    const day = 288;
    const s = generate({ length: 10 * day, stepMs: 300_000, seasons: { [day]: 30 }, noise: 3, seed: 21 });
    // The last refit (at a whole day) is before the jump: only re-anchoring can see it, and the
    // jump is newer than every calibration origin's horizon but the newest.
    const at = 9 * day + 100;
    const shifted = { ...s, values: Float64Array.from(s.values) };
    for (let i = at - 16; i < at; i++) shifted.values[i] = s.values[i]! + 300;
    const f = await forecast(shifted, { horizon: day, quantiles: [0.5], model: 'ets', at });
    assert.ok(f.anomalies.length > 0 && f.anomalies.every((a) => a.levelShift), 'the shift is reported as a level shift, nothing masked');
    const last = shifted.values[at - 1]!;
    assert.ok(Math.abs(f.quantiles['0.5']![0]! - last) < 60, `median ${f.quantiles['0.5']![0]} should follow the new level near ${last}`);
  });

  it('GIVEN a burst that the calibration rows overlapping the newest one saw too WHEN flagging past those rows THEN the burst is flagged (those rows vouched for it)', () => {
    const rows = residualRows(60, horizon, 7);
    // Rows 1..5 are origins 2 steps apart: their horizons hold the same burst, shifted by 2 leads.
    for (let j = 0; j <= 5; j++) for (let h = 12 - 2 * j; h < horizon - 2 * j; h++) if (h >= 0) rows[j]![h] = 40;
    assert.equal(flagAnomalies(rows, origin, values, horizon, 6).filter((a) => a.index >= origin + 12).length, 0, 'judged against rows that saw it, nothing is anomalous');
    const flagged = flagAnomalies(rows, origin, values, horizon, 6, 5);
    assert.deepEqual(flagged.map((a) => a.index), Array.from({ length: 12 }, (_, i) => origin + 12 + i));
    assert.ok(flagged.every((a) => a.levelShift));
  });

  it('GIVEN a daily cycle that jumped to three times its level an hour and a half ago WHEN forecasting two hours ahead THEN the median follows the new level (an ensemble with seasonal members kept the old one)', async () => {
    const day = 288;
    const s = generate({ length: 10 * day, stepMs: 300_000, seasons: { [day]: 40 }, level: 150, noise: 4, seed: 12 });
    const at = 9 * day + 150;
    const jumped = { ...s, values: Float64Array.from(s.values) };
    for (let i = at - 18; i < at; i++) jumped.values[i] = 3 * s.values[i]!;
    const f = await forecast(jumped, { horizon: 24, quantiles: [0.5, 0.95], at });
    const recent = jumped.values.slice(at - 6, at).reduce((a, b) => a + b, 0) / 6;
    assert.ok(f.quantiles['0.5']![0]! > 0.85 * recent, `median ${f.quantiles['0.5']![0]} vs recent level ${recent} (model ${f.model})`);
  });
});
