import assert from 'node:assert/strict';
import type { QuantileForecast, Series } from '../../forecaster/types';
import { replay, type ForecasterFactory } from '../../automation/sim/replay';
import { ShadowscaleError } from '../../automation/errors';

const MIN = 60_000;
const START = Date.UTC(2026, 0, 5);

/** A smooth daily cycle with a little deterministic noise, 1-minute steps. */
function dailySeries(days: number, stepMs = MIN): Series {
  const n = Math.round((days * 86_400_000) / stepMs);
  const perDay = 86_400_000 / stepMs;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = 200 + 120 * Math.sin((2 * Math.PI * i) / perDay) + 6 * Math.sin(i * 1.7);
  return { name: 'generated-daily', startMs: START, stepMs, values };
}

/**
 * Seasonal-naive forecasts with a fixed relative spread: what a calibrated forecaster would give
 * on this demand. It also checks it is never shown a row at or after its origin.
 */
function seasonalNaive(spy?: { calls: number }, spread = 0.03): ForecasterFactory {
  return ({ stepMs, horizon, quantiles, startMs }) => ({
    observe(values: Float64Array, upTo: number): QuantileForecast {
      for (let i = upTo; i < values.length; i++) assert.ok(Number.isNaN(values[i]), `row ${i} >= origin ${upTo} was visible`);
      if (spy) spy.calls++;
      const perDay = Math.round(86_400_000 / stepMs);
      const base = (h: number) => {
        const i = upTo + h - perDay;
        return i >= 0 && i < upTo ? values[i] : values[upTo - 1];
      };
      const z: Record<string, number> = { '0.5': 0, '0.9': 1.28, '0.95': 1.645, '0.99': 2.33 };
      const q: Record<string, number[]> = {};
      for (const l of quantiles) q[String(l)] = Array.from({ length: horizon }, (_, h) => base(h) * (1 + spread * (z[String(l)] ?? 0)));
      return { model: 'seasonal-naive-test', stepMs, origin: upTo, originTime: new Date(startMs + upTo * stepMs).toISOString(), horizon, quantiles: q };
    },
  });
}

describe('replay', () => {
  const series = dailySeries(3);
  const cap = 10;

  for (const controller of ['shadowscale', 'reactive', 'reactive-pool', 'seasonal', 'static'] as const) {
    it(`GIVEN a prefix of the history WHEN replaying ${controller} THEN its steps equal the full replay's first steps (no look-ahead)`, () => {
      const prefix: Series = { ...series, values: series.values.slice(0, series.values.length - 700) };
      const full = replay(series, { controller, capacityPerVm: cap, forecaster: seasonalNaive() });
      const part = replay(prefix, { controller, capacityPerVm: cap, forecaster: seasonalNaive() });
      assert.equal(part.steps.length, full.steps.length - 700);
      assert.deepEqual(part.steps, full.steps.slice(0, part.steps.length));
    });
  }

  it('GIVEN smooth daily demand and calibrated forecasts WHEN replaying shadowscale THEN it serves >= 99.9 % and costs less than reactive 0.6, never less than the oracle', () => {
    const spy = { calls: 0 };
    const mine = replay(series, { controller: 'shadowscale', capacityPerVm: cap, forecaster: seasonalNaive(spy) });
    const reactive = replay(series, { controller: 'reactive', capacityPerVm: cap });
    assert.ok(mine.summary.servedPct >= 99.9, `served ${mine.summary.servedPct}`);
    assert.ok(mine.summary.costVsOracle < reactive.summary.costVsOracle, `${mine.summary.costVsOracle} vs ${reactive.summary.costVsOracle}`);
    assert.ok(mine.summary.costVsOracle > 1);
    // One forecast per 15-minute tick over the two scored days.
    assert.equal(spy.calls, (2 * 1440) / 15);
    assert.ok(mine.decisions.some((d) => d.code === 'size.floor'));
    // served is rounded to 6 decimals in the steps.
    assert.ok(mine.steps.every((s) => s.served <= s.demand + 1e-6));
  });

  it('GIVEN 1-minute steps, a daily step rise and forecasts too wide for a pool WHEN replaying shadowscale THEN the new VMs are asked a boot ahead and the rise is served in full', () => {
    // 100 until 12:02 each day, 300 until 18:00, then 100 again: the rise is known from yesterday.
    // (12:02, not 12:00: schedules last at least 5 minutes, and one ending at the rise would hide the lead.)
    const n = 3 * 1440;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = i % 1440 >= 722 && i % 1440 < 1080 ? 300 : 100;
    const steps: Series = { name: 'generated-step', startMs: START, stepMs: MIN, values };
    // Relative spread 0.5: median / q0.95 = 0.55, under the configured headroom 0.6, so no pool.
    const r = replay(steps, { controller: 'shadowscale', capacityPerVm: cap, forecaster: seasonalNaive(undefined, 0.5) });
    const sizes = r.decisions.filter((d) => d.code === 'size.floor');
    assert.ok(sizes.length > 0 && sizes.every((d) => d.numbers.suspended === 0 && d.numbers.stopped === 0), 'no pool');
    const rises = r.steps.filter((s, i) => i >= Number(r.summary.warmupSteps) && s.demand === 300 && r.steps[i - 1].demand === 100);
    assert.equal(rises.length, 2);
    for (const s of rises) assert.equal(s.served, 300, `served ${s.served} at ${s.t}`);
    assert.equal(r.summary.shortSteps, 0);
  });

  it('GIVEN a summary WHEN replaying THEN it counts the scored steps and the warm-up', () => {
    const r = replay(series, { controller: 'reactive', capacityPerVm: cap, warmupMs: 2 * 3_600_000 });
    assert.equal(r.summary.steps, series.values.length - 120);
    assert.equal(r.summary.warmupSteps, 120);
    assert.equal(r.steps.length, series.values.length, 'every row is a step, the warm-up included');
    assert.equal(r.steps[0].t, new Date(START).toISOString());
    assert.equal(r.steps[120].t, new Date(START + 120 * MIN).toISOString());
    assert.equal(r.controller, 'reactive');
  });

  it('GIVEN a gap of 60 steps in the scored part WHEN replaying THEN their cost is reported apart and left out of the cost compared with the oracle (which runs nothing there)', () => {
    const gapped = { ...series, values: Float64Array.from(series.values) };
    gapped.values.fill(NaN, 600, 660);
    const r = replay(gapped, { controller: 'reactive', capacityPerVm: cap, warmupMs: 2 * 3_600_000 });
    const gapCost = r.steps.slice(600, 660).reduce((sum, s) => sum + s.cost, 0);
    const knownCost = r.steps.slice(120).reduce((sum, s) => sum + (Number.isFinite(s.demand) ? s.cost : 0), 0);
    assert.equal(r.summary.gapSteps, 60);
    assert.ok(gapCost > 0, 'the fleet still runs through the gap');
    assert.ok(Math.abs(Number(r.summary.gapCost) - gapCost) < 0.01 + 1e-6 * gapCost);
    assert.ok(Math.abs(r.summary.cost - knownCost) < 0.01 + 1e-6 * knownCost);
    assert.ok(Math.abs(r.summary.costVsOracle - r.summary.cost / r.summary.oracleCost) < 1e-3);
  });

  it('GIVEN a history shorter than the warm-up WHEN replaying THEN an input error names the series and the fix', () => {
    const short: Series = { ...series, values: series.values.slice(0, 100) };
    assert.throws(() => replay(short, { controller: 'reactive', capacityPerVm: cap }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'input' && /generated-daily/.test(e.message) && /--warmup/.test(e.message));
  });

  it('GIVEN a non-positive capacity WHEN replaying THEN an input error names --capacity-per-vm', () => {
    assert.throws(() => replay(series, { controller: 'reactive', capacityPerVm: 0 }), /--capacity-per-vm/);
  });
});
