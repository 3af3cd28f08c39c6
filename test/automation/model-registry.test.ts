import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbRecordsStore } from '../../automation/adapters/records-duckdb';
import { chooseModel, recentAccuracy, recordModel } from '../../automation/modes/model-registry';
import { resolvePlanClock } from '../../automation/modes/clock';
import type { ShadowscaleConfig, WorkloadConfig } from '../../automation/config-types';
import type { HistorySource } from '../../automation/ports';
import { forecast } from '../../forecaster';
import type { QuantileForecast, Series } from '../../forecaster/types';

const STEP = 300_000;
const START = Date.parse('2026-11-01T00:00:00Z');

function daily(days: number): Series {
  const n = days * 288;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = 100 + 40 * Math.sin((2 * Math.PI * i) / 288) + ((i * 7919) % 13) - 6;
  return { name: 'gen', startMs: START, stepMs: STEP, values };
}

function forecastFrom(series: Series, model: string, level: number): QuantileForecast & { selection: Record<string, { score: number; calibrationOrigins: number }>; trainEnd: number } {
  const at = series.values.length;
  return {
    model, stepMs: STEP, origin: at, originTime: new Date(START + at * STEP).toISOString(), horizon: 3,
    quantiles: { '0.5': [level, level, level], '0.95': [level + 10, level + 10, level + 10] },
    selection: { [model]: { score: 2, calibrationOrigins: 20 }, other: { score: 3, calibrationOrigins: 20 } }, trainEnd: at,
  };
}

describe('model registry in a tick', () => {
  let dir: string;
  let store: DuckDbRecordsStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registry-'));
    store = await DuckDbRecordsStore.open(join(dir, 'records.duckdb'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN no recorded model WHEN choosing THEN selection runs (no-model); AFTER recording, a fresh accurate model is reused', async () => {
    const series = daily(3);
    const now = new Date(START + series.values.length * STEP);
    const first = await chooseModel(store, 'web', series, now);
    assert.equal(first.decision.reason, 'no-model');
    assert.equal(first.model, undefined);
    const record = await recordModel(store, 'web', series, forecastFrom(series, 'mstl', 100), now);
    assert.equal(record.version, 1);
    assert.equal(record.scores.pinball, 2);
    assert.equal(record.trainEnd, now.toISOString());
    const again = await chooseModel(store, 'web', series, new Date(now.getTime() + 15 * 60_000));
    assert.equal(again.decision.reason, 'fresh');
    assert.equal(again.model, 'mstl');
  });

  it('GIVEN the recorded model is the ensemble WHEN the next tick forecasts with the reused kind THEN it forecasts with the ensemble (it was an input error, failing every later tick)', async () => {
    const series = daily(4);
    const now = new Date(START + series.values.length * STEP);
    await recordModel(store, 'web', series, forecastFrom(series, 'ensemble', 100), now);
    const again = await chooseModel(store, 'web', series, new Date(now.getTime() + 15 * 60_000));
    assert.equal(again.model, 'ensemble');
    const f = await forecast(series, { horizon: 6, quantiles: [0.5, 0.95], model: again.model });
    assert.equal(f.model, 'ensemble');
    assert.ok(f.quantiles['0.95']!.every((v, h) => v >= f.quantiles['0.5']![h]!));
  });

  it('GIVEN a recorded model older than a day WHEN choosing THEN it is retrained (stale)', async () => {
    const series = daily(3);
    const now = new Date(START + series.values.length * STEP);
    await recordModel(store, 'web', series, forecastFrom(series, 'mstl', 100), now);
    const later = await chooseModel(store, 'web', series, new Date(now.getTime() + 25 * 3_600_000));
    assert.equal(later.decision.reason, 'stale');
    assert.equal(later.model, undefined);
  });

  it('GIVEN the last forecast missed the actuals that came since WHEN choosing THEN accuracy triggers a retrain', async () => {
    const history = daily(3);
    const now = new Date(START + history.values.length * STEP);
    await recordModel(store, 'web', history, forecastFrom(history, 'mstl', 100), now);
    // A forecast of 10 000 for demand around 100: its pinball loss is far above the recorded 2.
    await store.saveForecast('web', forecastFrom(history, 'mstl', 10_000), now.toISOString());
    const grown = daily(3.02);
    const choice = await chooseModel(store, 'web', grown, new Date(now.getTime() + 10 * 60_000));
    assert.ok((choice.recent?.pinball ?? 0) > 100, `recent pinball ${choice.recent?.pinball}`);
    assert.equal(choice.decision.reason, 'accuracy');
  });

  it('GIVEN the model missed the few actuals since the last tick, fewer than its horizon WHEN choosing THEN it is kept (a horizon of evidence is needed); once a horizon of actuals is in, accuracy retrains', async () => {
    const history = daily(3);
    const now = new Date(START + history.values.length * STEP);
    await recordModel(store, 'web', history, forecastFrom(history, 'mstl', 100), now);
    const wide = { ...forecastFrom(history, 'mstl', 10_000), horizon: 12, quantiles: { '0.5': new Array<number>(12).fill(10_000) } };
    await store.saveForecast('web', wide, now.toISOString());
    const early = await chooseModel(store, 'web', daily(3 + 4 / 288), new Date(now.getTime() + 20 * 60_000));
    assert.equal(early.recent?.steps, 4);
    assert.equal(early.decision.reason, 'fresh', early.decision.message);
    const late = await chooseModel(store, 'web', daily(3 + 12 / 288), new Date(now.getTime() + 60 * 60_000));
    assert.equal(late.recent?.steps, 12);
    assert.equal(late.decision.reason, 'accuracy');
  });

  it('GIVEN forecasts of the previous model and of another kind WHEN choosing THEN only the recorded model\'s own forecasts since it was recorded are scored', async () => {
    const history = daily(3);
    const now = new Date(START + history.values.length * STEP);
    const before = new Date(now.getTime() - 60_000).toISOString();
    // The previous version's bad forecast, and one of another kind (a per-signal key reused): neither counts.
    await store.saveForecast('web', forecastFrom(history, 'mstl', 10_000), before);
    await recordModel(store, 'web', history, forecastFrom(history, 'mstl', 100), now);
    await store.saveForecast('web', forecastFrom(history, 'ets', 10_000), now.toISOString());
    const choice = await chooseModel(store, 'web', daily(3.02), new Date(now.getTime() + 10 * 60_000));
    assert.equal(choice.recent, undefined);
    assert.equal(choice.decision.reason, 'fresh');
  });

  describe('changepoint trigger', () => {
    const DAY = 288;
    // Flat at 100, a step to 300 on day 3 at 12:00, and (optionally) a second step to 600 later.
    function stepped(steps: number, secondStepAt?: number): Series {
      const values = new Float64Array(steps);
      for (let i = 0; i < steps; i++) {
        const level = secondStepAt !== undefined && i >= secondStepAt ? 600 : i >= 2 * DAY + 144 ? 300 : 100;
        values[i] = level + ((i * 7919) % 3) - 1;
      }
      return { name: 'gen', startMs: START, stepMs: STEP, values };
    }
    const at = (steps: number) => new Date(START + steps * STEP);
    // The ensemble's refit point is the day boundary, before the step: what the soak recorded.
    const refitPoint = 2 * DAY;
    const selectedAt = 2 * DAY + 159; // 13:15, 15 steps after the step

    async function recordSelection(series: Series) {
      const f = { ...forecastFrom(series, 'ensemble', 300), trainEnd: refitPoint };
      const record = await recordModel(store, 'web', series, f, at(series.values.length));
      await store.saveForecast('web', f, at(series.values.length).toISOString());
      return record;
    }

    it('GIVEN a step change, then a selection whose refit point is before it WHEN later ticks extend the series THEN the model is reused (fresh), not retrained on the old step', async () => {
      const record = await recordSelection(stepped(selectedAt));
      assert.equal(record.trainEnd, at(refitPoint).toISOString());
      for (let end = selectedAt + 3; end <= selectedAt + 36; end += 3) {
        const choice = await chooseModel(store, 'web', stepped(end), at(end));
        assert.equal(choice.decision.reason, 'fresh', `tick ending at step ${end}: ${choice.decision.message}`);
        assert.equal(choice.model, 'ensemble');
      }
      assert.equal(record.params.selectionDataEnd, at(selectedAt).toISOString());
    });

    it('GIVEN a selection recorded after a step WHEN a NEW step arrives after the selection THEN the changepoint retrains', async () => {
      await recordSelection(stepped(selectedAt));
      const secondStep = selectedAt + 12;
      const end = secondStep + 24;
      const choice = await chooseModel(store, 'web', stepped(end, secondStep), at(end));
      assert.equal(choice.decision.reason, 'changepoint');
      assert.equal(choice.model, undefined);
    });

    it('GIVEN a record written before the selection data end was kept WHEN the step lies after its trainEnd THEN the changepoint still retrains (falls back to trainEnd)', async () => {
      await store.saveModel({
        workload: 'web', kind: 'ensemble', params: {}, trainStart: at(0).toISOString(), trainEnd: at(refitPoint).toISOString(),
        scores: { pinball: 2 }, createdAt: at(selectedAt).toISOString(),
      });
      const end = selectedAt + 3;
      const choice = await chooseModel(store, 'web', stepped(end), at(end));
      assert.equal(choice.decision.reason, 'changepoint');
    });
  });

  it('GIVEN a past forecast WHEN scoring it THEN only actuals after its origin count', () => {
    const series = daily(1);
    const past: QuantileForecast = { model: 'm', stepMs: STEP, origin: 10, originTime: new Date(START + 10 * STEP).toISOString(), horizon: 2, quantiles: { '0.5': [series.values[10], series.values[11]] } };
    assert.deepEqual(recentAccuracy([past], series), { pinball: 0, steps: 2, horizon: 2 });
    const future: QuantileForecast = { ...past, originTime: new Date(START + series.values.length * STEP).toISOString() };
    assert.equal(recentAccuracy([future], series), undefined);
    // Overlapping forecasts score the same step twice; it counts once as evidence.
    const next: QuantileForecast = { ...past, origin: 11, originTime: new Date(START + 11 * STEP).toISOString(), quantiles: { '0.5': [series.values[11]! + 2, series.values[12]! + 2] } };
    const both = recentAccuracy([past, next], series)!;
    assert.equal(both.steps, 3);
    assert.ok(Math.abs(both.pinball - 0.5) < 1e-9, `mean of 0, 0, 1, 1: ${both.pinball}`);
    // Each lead weighs the same, as in the backtest's score: lead 0 scored twice at 0, lead 1 once at 4.
    const at = (o: number, points: number[]): QuantileForecast => ({ model: 'm', stepMs: STEP, origin: o, originTime: new Date(START + o * STEP).toISOString(), horizon: 2, quantiles: { '0.5': points } });
    const n = series.values.length;
    const uneven = recentAccuracy([at(n - 2, [series.values[n - 2]!, series.values[n - 1]! + 8]), at(n - 1, [series.values[n - 1]!, 0])], series)!;
    assert.ok(Math.abs(uneven.pinball - 2) < 1e-9, `per-lead means 0 and 4: ${uneven.pinball} (pooled it was 4/3)`);
  });
});

describe('plan clock', () => {
  const workload = { name: 'web', signals: [{ name: 'requests', capacityPerVm: 1 }] } as unknown as WorkloadConfig;
  const source: HistorySource = { read: async () => ({ name: 'h', startMs: START, stepMs: STEP, values: new Float64Array(10) }) };
  const config = (planAt?: string) => ({ planAt, workloads: [workload] }) as unknown as ShadowscaleConfig;

  it('GIVEN planAt history-end WHEN resolving THEN now is the step after the newest point, and says so', async () => {
    const { clock, note } = await resolvePlanClock(config('history-end'), () => source);
    assert.equal(clock.now().toISOString(), new Date(START + 10 * STEP).toISOString());
    assert.match(note ?? '', /end of the history/);
  });

  it('GIVEN a fixed planAt or none WHEN resolving THEN the fixed time or the system clock is used', async () => {
    assert.equal((await resolvePlanClock(config('2026-12-01T10:00:00.000Z'), () => source)).clock.now().toISOString(), '2026-12-01T10:00:00.000Z');
    const system = (await resolvePlanClock(config(undefined), () => source)).clock.now().getTime();
    assert.ok(Math.abs(system - Date.now()) < 60_000);
  });
});
