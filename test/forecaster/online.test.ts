import assert from 'node:assert/strict';
import { createOnlineForecaster } from '../../forecaster';
import { generate, HOUR } from './helpers';

describe('forecaster createOnlineForecaster', () => {
  it('GIVEN a replay asking every 3 steps WHEN observing THEN forecasts use only values before upTo and keep ~nominal coverage', () => {
    const s = generate({ length: 24 * 30, stepMs: HOUR, seasons: { 24: 20 }, noise: 2, seed: 9 });
    const online = createOnlineForecaster({ stepMs: HOUR, horizon: 4, quantiles: [0.5, 0.95] });
    let below = 0;
    let total = 0;
    for (let upTo = 24 * 10; upTo + 4 <= s.values.length; upTo += 3) {
      // Later values are poisoned: a forecaster that read them would be far off.
      const visible = Float64Array.from(s.values);
      visible.fill(1e9, upTo);
      const f = online.observe(visible, upTo);
      assert.equal(f.origin, upTo);
      for (let h = 0; h < 4; h++) {
        assert.ok(f.quantiles['0.95']![h]! < 1e6, `read past upTo at ${upTo}`);
        if (s.values[upTo + h]! <= f.quantiles['0.95']![h]!) below++;
        total++;
      }
    }
    assert.ok(below / total > 0.9 && below / total < 0.99, `0.95 coverage ${below / total}`);
  });

  it('GIVEN a daily cycle that tripled an hour and a half ago WHEN the replay asks every 3 steps THEN the median follows the new level whatever model was selected', () => {
    const day = 288;
    const s = generate({ length: 10 * day, stepMs: 300_000, seasons: { [day]: 40 }, level: 150, noise: 4, seed: 12 });
    const at = 9 * day + 150;
    const jumped = Float64Array.from(s.values);
    for (let i = at - 18; i < at + 6; i++) jumped[i] = 3 * s.values[i]!;
    const online = createOnlineForecaster({ stepMs: 300_000, horizon: 5, quantiles: [0.5, 0.95], refitEverySteps: 72 });
    let f = online.observe(jumped, 8 * day);
    for (let upTo = 8 * day + 3; upTo <= at; upTo += 3) f = online.observe(jumped, upTo);
    const recent = jumped.slice(at - 6, at).reduce((a, b) => a + b, 0) / 6;
    assert.ok(f.quantiles['0.5']![0]! > 0.85 * recent, `median ${f.quantiles['0.5']![0]} vs recent level ${recent} (model ${f.model})`);
  });

  it('GIVEN four silent days in a replay WHEN observing every 3 steps through and after them THEN every forecast has the horizon length and nothing throws (a selection at the end of the gap threw, or returned longer paths)', () => {
    const day = 288;
    const s = generate({ length: 10 * day, stepMs: 300_000, seasons: { [day]: 40 }, level: 150, noise: 4, seed: 5 });
    const gapped = Float64Array.from(s.values).fill(NaN, 4 * day, 8 * day);
    const online = createOnlineForecaster({ stepMs: 300_000, horizon: 5, quantiles: [0.5, 0.95], refitEverySteps: 72 });
    for (let upTo = 2 * day; upTo + 5 <= gapped.length; upTo += 3) {
      const f = online.observe(gapped, upTo);
      assert.equal(f.quantiles['0.95']!.length, 5, `at ${upTo}`);
      assert.ok(f.quantiles['0.95']!.every(Number.isFinite), `at ${upTo}`);
    }
  });
});
