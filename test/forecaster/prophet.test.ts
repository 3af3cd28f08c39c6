import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { backtest, forecast } from '../../forecaster';
import { fourierOrders, prophetModel } from '../../forecaster/models/prophet';
import { prepareModels } from '../../forecaster/models';
import { generate, HOUR } from './helpers';

const AMPLITUDE = 30;
const QUANTILES = [0.05, 0.5, 0.9, 0.99];

describe('forecaster prophet model', function () {
  it('GIVEN a process that never asked for prophet WHEN the prophet model fits or an online forecaster wants it THEN a clear internal error says to prepare it', function () {
    // A fresh process: in this one the optimizer may already be loaded by another test.
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'prophet-unloaded-'));
    const script = join(dir, 'probe.ts');
    const root = resolve(__dirname, '..', '..');
    writeFileSync(script, [
      `import { prophetModel } from ${JSON.stringify(join(root, 'forecaster/models/prophet'))};`,
      `import { createOnlineForecaster } from ${JSON.stringify(join(root, 'forecaster'))};`,
      'const codes: string[] = [];',
      'for (const attempt of [',
      '  () => prophetModel({ periods: [24], stepMs: 3_600_000 }).fit(Float64Array.from({ length: 240 }, (_, i) => 100 + Math.sin(i))),',
      "  () => createOnlineForecaster({ stepMs: 3_600_000, horizon: 4, quantiles: [0.5], models: ['prophet'] }),",
      ']) {',
      '  try { attempt(); codes.push("no error"); } catch (err) { const e = err as { code?: string; kind?: string; message: string }; codes.push(`${e.kind}/${e.code}: ${e.message}`); }',
      '}',
      'process.stdout.write(JSON.stringify(codes));',
    ].join('\n'));
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8' });
      const codes = JSON.parse(out) as string[];
      assert.equal(codes.length, 2);
      for (const c of codes) assert.match(c, /^internal\/forecast\.prophet-not-loaded: .*prepareModels\(\['prophet'\]\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN a noisy daily cycle WHEN prophet forecasts a day THEN its median follows the cycle within a small fraction of the amplitude', async function () {
    await prepareModels(['prophet']);
    const s = generate({ length: 24 * 14, stepMs: HOUR, seasons: { 24: AMPLITUDE }, noise: 2, seed: 7 });
    const fitted = prophetModel({ periods: [24], stepMs: HOUR }).fit(s.values);
    const p = fitted.predict(24);
    fitted.dispose?.();
    let worst = 0;
    for (let h = 0; h < 24; h++) {
      const truth = 100 + AMPLITUDE * Math.sin((2 * Math.PI * (s.values.length + h)) / 24);
      worst = Math.max(worst, Math.abs(p[h]! - truth));
    }
    // THEN: an error of 15 % of the amplitude means the shape, not just the level, was learned.
    assert.ok(worst < 0.15 * AMPLITUDE, `worst step error ${worst.toFixed(2)} vs amplitude ${AMPLITUDE}`);
  });

  it('GIVEN a daily and a weekly season WHEN choosing Fourier orders THEN the weekly one stops below the daily harmonic', () => {
    // Coarse periods 24 and 168: 168/24 = 7, so the weekly season keeps orders 1..6.
    assert.deepEqual(fourierOrders([24, 168]), [10, 6]);
    assert.deepEqual(fourierOrders([6]), [2]);
  });

  it('GIVEN prophet forced in forecast WHEN forecasting a non-negative series THEN quantiles are calibrated, monotone and non-negative', async () => {
    // Demand cannot go below zero: troughs near zero, clipped, so an uncalibrated band would dip below it.
    const s = generate({ length: 24 * 21, stepMs: HOUR, seasons: { 24: AMPLITUDE }, level: 32, noise: 2, seed: 3 });
    s.values = s.values.map((v) => Math.max(0, v));
    const f = await forecast(s, { horizon: 6, quantiles: QUANTILES, model: 'prophet' });
    assert.equal(f.model, 'prophet');
    assert.deepEqual((f.params as { seasonalities: unknown[] }).seasonalities.length, 1);
    for (let h = 0; h < 6; h++) {
      const levels = QUANTILES.map((q) => f.quantiles[String(q)]![h]!);
      for (let i = 1; i < levels.length; i++) assert.ok(levels[i]! >= levels[i - 1]!, `step ${h}: ${levels}`);
      assert.ok(levels[0]! >= 0, `step ${h}: 0.05 quantile ${levels[0]} is negative`);
      // The 0.05-0.99 band must be wider than nothing: calibration added the model's own spread.
      assert.ok(levels[levels.length - 1]! - levels[0]! > 1, `step ${h}: band ${levels}`);
    }
  });

  it('GIVEN prophet among the candidates WHEN backtesting THEN both prophet and seasonal naive are scored', async () => {
    const s = generate({ length: 24 * 21, stepMs: HOUR, seasons: { 24: AMPLITUDE }, noise: 2, seed: 5 });
    const r = await backtest(s, { horizon: 6, origins: 4, quantiles: QUANTILES, models: ['prophet', 'seasonal-naive'] });
    for (const name of ['prophet', 'seasonal-naive']) {
      assert.ok(r.scores[name], `no score for ${name}: ${Object.keys(r.scores)}`);
      assert.ok(Number.isFinite(r.scores[name]!.pinball) && r.scores[name]!.pinball > 0, `${name} pinball ${r.scores[name]!.pinball}`);
    }
    // A smooth cycle with noise: a fitted Fourier shape must beat copying yesterday's noise.
    assert.ok(r.scores['prophet']!.pinball < r.scores['seasonal-naive']!.pinball, JSON.stringify({ prophet: r.scores['prophet']!.pinball, naive: r.scores['seasonal-naive']!.pinball }));
  });

  it('GIVEN an unknown model name WHEN backtesting or forecasting THEN the error names it and lists the known ones', async () => {
    const s = generate({ length: 24 * 14, stepMs: HOUR, seasons: { 24: AMPLITUDE }, noise: 2 });
    await assert.rejects(backtest(s, { horizon: 6, origins: 2, quantiles: QUANTILES, models: ['prophet', 'profit'] }), /expected one of .*prophet.*, got "profit"/);
    await assert.rejects(forecast(s, { horizon: 6, quantiles: QUANTILES, models: ['profit'] }), /expected one of .*prophet.*, got "profit"/);
  });
});
