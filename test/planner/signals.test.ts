import assert from 'node:assert/strict';
import type { QuantileForecast } from '../../forecaster/types';
import { ShadowscaleError } from '../../automation/errors';
import { combineSignalForecasts } from '../../automation/planner/signals';
import { UNCALIBRATED_MODEL } from '../../automation/planner/forecast-view';

const STEP = 300_000;
const ORIGIN = Date.parse('2026-11-01T12:00:00Z');

function forecast(model: string, quantiles: Record<string, number[]>, originMs = ORIGIN, stepMs = STEP): QuantileForecast {
  const horizon = Object.values(quantiles)[0].length;
  return { model, stepMs, origin: 100, originTime: new Date(originMs).toISOString(), horizon, quantiles };
}

describe('combineSignalForecasts', () => {
  it('GIVEN requests and a CPU signal that binds at some steps WHEN combined THEN each step and level takes the largest need in request units and names the binding signal', () => {
    // 100 requests per VM, 2 CPU per VM: 1 CPU is 50 requests' worth of VM.
    const requests = forecast('mstl', { '0.5': [400, 500, 600], '0.95': [500, 600, 700] });
    const cpu = forecast('ets', { '0.5': [6, 14, 10], '0.95': [8, 11, 15] });

    const { forecast: f, binding } = combineSignalForecasts('web', [
      { name: 'requests', capacityPerVm: 100, forecast: requests },
      { name: 'cpu', capacityPerVm: 2, forecast: cpu },
    ]);

    assert.deepEqual(f.quantiles['0.5'], [400, 700, 600]);
    assert.deepEqual(f.quantiles['0.95'], [500, 600, 750]);
    assert.deepEqual(binding, ['requests', 'requests', 'cpu'], 'binding is read at the highest level');
    assert.equal(f.originTime, requests.originTime);
    assert.equal(f.stepMs, STEP);
    assert.equal(f.horizon, 3);
    assert.equal(f.model, 'max(requests:mstl, cpu:ets)');
  });

  it('GIVEN one signal WHEN combined THEN the forecast is the signal forecast unchanged', () => {
    const only = forecast('mstl', { '0.5': [1, 2], '0.95': [3, 4] });

    const { forecast: f, binding } = combineSignalForecasts('web', [{ name: 'requests', capacityPerVm: 7, forecast: only }]);

    assert.deepEqual(f, { ...only, params: undefined });
    assert.deepEqual(binding, ['requests', 'requests']);
  });

  it('GIVEN a second signal whose history ends a step earlier WHEN combined THEN steps match by time and the combined forecast starts at the older origin', () => {
    const requests = forecast('a', { '0.5': [100, 100] }, ORIGIN);
    const cpu = forecast('b', { '0.5': [1, 3, 1] }, ORIGIN - STEP);

    const { forecast: f, binding } = combineSignalForecasts('web', [
      { name: 'requests', capacityPerVm: 100, forecast: requests },
      { name: 'cpu', capacityPerVm: 1, forecast: cpu },
    ]);

    assert.equal(f.originTime, new Date(ORIGIN - STEP).toISOString(), 'the oldest history governs staleness');
    assert.deepEqual(f.quantiles['0.5'], [100, 300, 100]);
    assert.deepEqual(binding, ['cpu', 'cpu', 'requests']);
  });

  it('GIVEN a NaN in the second signal WHEN combined THEN the step is NaN, not hidden by the first signal', () => {
    const { forecast: f } = combineSignalForecasts('web', [
      { name: 'requests', capacityPerVm: 1, forecast: forecast('a', { '0.5': [5, 5] }) },
      { name: 'cpu', capacityPerVm: 1, forecast: forecast('b', { '0.5': [1, Number.NaN] }) },
    ]);

    assert.equal(f.quantiles['0.5'][0], 5);
    assert.ok(Number.isNaN(f.quantiles['0.5'][1]));
  });

  it('GIVEN one signal forecast by the uncalibrated stand-in WHEN combined THEN the combined forecast is marked uncalibrated so the planner holds', () => {
    const { forecast: f } = combineSignalForecasts('web', [
      { name: 'requests', capacityPerVm: 1, forecast: forecast('mstl', { '0.5': [5] }) },
      { name: 'cpu', capacityPerVm: 1, forecast: forecast(UNCALIBRATED_MODEL, { '0.5': [1] }) },
    ]);

    assert.equal(f.model, UNCALIBRATED_MODEL);
  });

  it('GIVEN signals forecast on different steps WHEN combined THEN it is an input error naming the signal and both steps and suggesting history.resample', () => {
    const call = () => combineSignalForecasts('web', [
      { name: 'requests', capacityPerVm: 100, forecast: forecast('a', { '0.5': [1] }, ORIGIN, 60_000) },
      { name: 'cpu', capacityPerVm: 2, forecast: forecast('b', { '0.5': [1] }, ORIGIN, STEP) },
    ]);

    assert.throws(call, (err: unknown) => {
      assert.ok(err instanceof ShadowscaleError);
      assert.equal(err.kind, 'input');
      assert.match(err.message, /signals\[cpu\].*step 300 s differs from the first signal "requests" \(60 s\).*history\.resample/);
      return true;
    });
  });
});
