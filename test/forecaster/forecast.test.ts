import assert from 'node:assert/strict';
import { backtest, forecast } from '../../forecaster';
import { generate, HOUR } from './helpers';

const series = () => generate({ length: 24 * 24, stepMs: HOUR, seasons: { 24: 30 }, noise: 3, seed: 11 });

describe('forecaster forecast/backtest', () => {
  it('GIVEN a backtest WHEN forecasting at one of its origins THEN the quantiles are the same', async () => {
    const s = series();
    const bt = await backtest(s, { horizon: 6, origins: 3, quantiles: [0.5, 0.95] });
    const o = bt.origins[1]!;
    const f = await forecast(s, { horizon: 6, quantiles: [0.5, 0.95], at: o.origin });
    assert.equal(f.model, o.model);
    assert.deepEqual(f.quantiles, o.quantiles);
    assert.ok(Object.keys(bt.scores).includes(bt.selected));
  });

  it('GIVEN values after the origin are changed WHEN forecasting at that origin THEN the forecast is unchanged', async () => {
    const s = series();
    const at = 450;
    const before = await forecast(s, { horizon: 12, quantiles: [0.5, 0.9, 0.99], at });
    const changed = { ...s, values: Float64Array.from(s.values) };
    for (let i = at; i < changed.values.length; i++) changed.values[i] = 1e6 + i;
    const after = await forecast(changed, { horizon: 12, quantiles: [0.5, 0.9, 0.99], at });
    assert.deepEqual(after.quantiles, before.quantiles);
    assert.equal(after.model, before.model);
  });

  it('GIVEN a seasonal series WHEN forecasting THEN quantiles are monotone, non-negative, of the asked length, and keyed by level', async () => {
    const s = series();
    const f = await forecast(s, { horizon: 10, quantiles: [0.99, 0.5, 0.9, 0.95] });
    assert.deepEqual(Object.keys(f.quantiles).sort(), ['0.5', '0.9', '0.95', '0.99']);
    for (let h = 0; h < 10; h++) {
      assert.ok(f.quantiles['0.5']![h]! <= f.quantiles['0.9']![h]! && f.quantiles['0.9']![h]! <= f.quantiles['0.95']![h]! && f.quantiles['0.95']![h]! <= f.quantiles['0.99']![h]!);
      assert.ok(f.quantiles['0.5']![h]! >= 0);
    }
    assert.equal(f.origin, s.values.length);
    assert.ok(f.selection && Object.keys(f.selection).length >= 3, 'several candidates were scored');
  });

  it('GIVEN an event with multiplier 2 over the first hours WHEN forecasting THEN quantiles double there and nowhere else', async () => {
    const s = series();
    const plain = await forecast(s, { horizon: 6, quantiles: [0.5, 0.95] });
    const start = s.startMs + s.values.length * s.stepMs;
    const raised = await forecast(s, { horizon: 6, quantiles: [0.5, 0.95], events: [{ startMs: start, endMs: start + 2 * HOUR, multiplier: 2 }] });
    assert.ok(Math.abs(raised.quantiles['0.95']![0]! - 2 * plain.quantiles['0.95']![0]!) < 1e-9);
    assert.ok(Math.abs(raised.quantiles['0.95']![1]! - 2 * plain.quantiles['0.95']![1]!) < 1e-9);
    assert.equal(raised.quantiles['0.95']![2], plain.quantiles['0.95']![2]);
  });

  it('GIVEN a spike in the last hours WHEN forecasting THEN it is flagged as an anomaly and kept out of the fit', async () => {
    const s = series();
    const spikeAt = s.values.length - 3;
    const spiked = { ...s, values: Float64Array.from(s.values) };
    spiked.values[spikeAt] = 1000;
    const f = await forecast(spiked, { horizon: 6, quantiles: [0.5, 0.95], model: 'seasonal-naive' });
    assert.deepEqual(f.anomalies.map((a) => a.index), [spikeAt]);
    assert.equal(f.anomalies[0]!.value, 1000);
    const clean = await forecast(s, { horizon: 6, quantiles: [0.5, 0.95] });
    assert.deepEqual(clean.anomalies, []);
  });

  it('GIVEN the metric stopped reporting two days before the origin WHEN forecasting THEN it is the forecast from the last value, further ahead, with intervals (they collapsed onto the point)', async () => {
    const s = series();
    const stopped = { ...s, values: Float64Array.from(s.values) };
    stopped.values.fill(NaN, s.values.length - 48);
    const f = await forecast(stopped, { horizon: 6, quantiles: [0.5, 0.99] });
    assert.equal(f.staleSteps, 48);
    assert.equal(f.origin, s.values.length);
    const fromLast = await forecast(stopped, { horizon: 54, quantiles: [0.5, 0.99], at: s.values.length - 48 });
    assert.equal(fromLast.staleSteps, 0);
    assert.deepEqual(f.quantiles['0.99'], fromLast.quantiles['0.99']!.slice(48));
    assert.ok(f.quantiles['0.99']!.every((v, h) => v > f.quantiles['0.5']![h]! + 1), 'the 0.99 quantile stands above the median');
  });

  it('GIVEN a metric silent for the last 5 of 14 days WHEN forecasting a day THEN the gap is too long to forecast from the last value: the forecast is made at the origin, calibrated on errors from before the gap (it threw)', async () => {
    const s = generate({ length: 14 * 288, stepMs: 300_000, seasons: { 288: 40 }, level: 150, noise: 4, seed: 21 });
    const silent = { ...s, values: Float64Array.from(s.values).fill(NaN, 9 * 288) };
    const f = await forecast(silent, { horizon: 24, quantiles: [0.5, 0.99] });
    assert.equal(f.staleSteps, 5 * 288);
    assert.equal(f.fromLastValue, false);
    assert.equal(f.quantiles['0.5']!.length, 24);
    assert.ok(f.quantiles['0.99']!.every((v, h) => v > f.quantiles['0.5']![h]! + 1), `0.99 ${f.quantiles['0.99']}`);
  });

  it('GIVEN a gap longer than the calibration span that ends one value before the origin WHEN forecasting THEN calibration reaches past the gap (no point mass)', async () => {
    const s = series();
    const gapped = { ...s, values: Float64Array.from(s.values) };
    gapped.values.fill(NaN, s.values.length - 300, s.values.length - 1);
    const f = await forecast(gapped, { horizon: 6, quantiles: [0.5, 0.99] });
    assert.equal(f.staleSteps, 0);
    assert.ok(f.quantiles['0.99']!.every((v, h) => v > f.quantiles['0.5']![h]! + 1), `0.99 ${f.quantiles['0.99']} vs 0.5 ${f.quantiles['0.5']}`);
  });

  it('GIVEN only gaps before the origin WHEN forecasting THEN an input error says so', async () => {
    const s = series();
    const empty = { ...s, values: Float64Array.from(s.values).fill(NaN, 0, 100) };
    await assert.rejects(forecast(empty, { horizon: 6, quantiles: [0.5], at: 100 }), /expected values before the origin 100, got only gaps/);
  });

  it('GIVEN a bad horizon, origin or level WHEN forecasting THEN an input error names the flag', async () => {
    const s = series();
    await assert.rejects(forecast(s, { horizon: 0, quantiles: [0.5] }), (e: Error & { kind?: string }) => e.kind === 'input' && /--horizon/.test(e.message));
    await assert.rejects(forecast(s, { horizon: 2, quantiles: [0.5], at: s.values.length + 5 }), /--at.*between 1 and 576/);
    await assert.rejects(forecast(s, { horizon: 2, quantiles: [1.5] }), /--quantiles.*between 0 and 1/);
  });
});
