import assert from 'node:assert/strict';
import { backtest, forecast } from '../../forecaster';
import { backtestOrigins } from '../../forecaster/backtest';
import { ShadowscaleError } from '../../automation/errors';
import type { Series } from '../../forecaster/types';

const short: Series = { name: 'shop.csv#rps', startMs: 0, stepMs: 300_000, values: Float64Array.from([5, 6, 7, 8]) };

describe('a history shorter than the model needs', () => {
  it('GIVEN four points WHEN forecasting 12 steps THEN the input error names the file and column and how many points are needed', async () => {
    await assert.rejects(forecast(short, { horizon: 12, quantiles: [0.5, 0.95] }), (e: unknown) =>
      e instanceof ShadowscaleError && e.kind === 'input' && /^shop\.csv#rps: expected at least \d+ points before the origin/.test(e.message) && /got 4$/.test(e.message));
  });

  it('GIVEN four points WHEN backtesting THEN the error names the file too', async () => {
    await assert.rejects(backtest(short, { horizon: 2, origins: 2, quantiles: [0.5] }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'input' && /shop\.csv#rps/.test(e.message));
  });

  it('GIVEN twice the horizon of points WHEN backtesting THEN the error names the least length whose last 30 % holds an origin and its horizon', async () => {
    const twoDays: Series = { name: 'shop.csv#rps', startMs: 0, stepMs: 300_000, values: Float64Array.from({ length: 576 }, (_, i) => 100 + 40 * Math.sin((2 * Math.PI * i) / 288)) };
    let message = '';
    await assert.rejects(backtest(twoDays, { horizon: 288, origins: 60, quantiles: [0.5] }), (e: unknown) => {
      message = e instanceof ShadowscaleError && e.kind === 'input' ? e.message : '';
      return /got 576$/.test(message);
    });
    const needed = Number(/expected at least (\d+) points for a 288-step backtest/.exec(message)?.[1]);
    assert.ok(needed > 576, message);
    assert.equal(backtestOrigins(needed, 288, 1, 1).length, 1);
    assert.equal(backtestOrigins(needed - 1, 288, 1, 1).length, 0);
  });
});
