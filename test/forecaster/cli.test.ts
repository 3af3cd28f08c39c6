import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runForecast } from '../../cli/forecast';
import { runBacktest } from '../../cli/backtest';
import { generate, HOUR } from './helpers';

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { (w as unknown as { text: string }).text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe('cli forecast / backtest', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shadowscale-cli-'));
    file = join(dir, 'history.csv');
    const s = generate({ length: 24 * 20, stepMs: HOUR, seasons: { 24: 30 }, noise: 2, seed: 4 });
    const rows = Array.from(s.values, (v, i) => `${new Date(s.startMs + i * HOUR).toISOString()},${v.toFixed(3)}`);
    await writeFile(file, `timestamp,value\n${rows.join('\n')}\n`);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });
  const flags = () => ({ history: file, valueColumn: 'value', timeColumn: 'timestamp', format: 'json' });

  it('GIVEN a valid history WHEN forecasting as JSON THEN it prints model, step, origin and N values per level', async () => {
    const out = sink();
    await runForecast({ ...flags(), horizon: '5', at: '400', quantiles: '0.5,0.9,0.99' }, out);
    const parsed = JSON.parse(out.text) as { model: string; step: string; origin: number; quantiles: Record<string, number[]> };
    assert.equal(parsed.step, '1h');
    assert.equal(parsed.origin, 400);
    assert.deepEqual(Object.keys(parsed.quantiles), ['0.5', '0.9', '0.99']);
    assert.equal(parsed.quantiles['0.99']!.length, 5);
  });

  it('GIVEN negative and NaN values WHEN forecasting THEN they are reported on stderr with their rows, and the forecast is still made', async () => {
    const lines = (await import('node:fs')).readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[50] = lines[50]!.replace(/,.*/, ',-3');
    lines[51] = lines[51]!.replace(/,.*/, ',NaN');
    const dirty = join(dir, 'dirty.csv');
    await writeFile(dirty, `${lines.join('\n')}\n`);
    const out = sink();
    const err = sink();
    await runForecast({ ...flags(), history: dirty, horizon: '3', quantiles: '0.5' }, out, err);
    assert.match(err.text, /dirty\.csv, column "value": 2 negative, NaN or empty value\(s\) dropped and treated as gaps \(rows 50, 51\)/);
    assert.equal((JSON.parse(out.text) as { quantiles: Record<string, number[]> }).quantiles['0.5']!.length, 3);
  });

  it('GIVEN a horizon that is not a positive integer WHEN forecasting THEN an input error names --horizon', async () => {
    for (const horizon of ['0', '-3', '2.5', 'ten']) {
      await assert.rejects(runForecast({ ...flags(), horizon }, sink()), (e: Error & { kind?: string }) => e.kind === 'input' && /--horizon: expected a positive whole number/.test(e.message));
    }
  });

  it('GIVEN --at beyond the grid WHEN forecasting THEN an input error names --at and the range', async () => {
    await assert.rejects(runForecast({ ...flags(), horizon: '3', at: '5000' }, sink()), (e: Error & { kind?: string }) => e.kind === 'input' && /--at: expected a row index between 1 and 480/.test(e.message));
  });

  it('GIVEN a quantile outside (0,1) WHEN forecasting or backtesting THEN an input error names --quantiles', async () => {
    await assert.rejects(runForecast({ ...flags(), horizon: '3', quantiles: '0.5,1' }, sink()), /--quantiles: expected levels strictly between 0 and 1, got "1"/);
    await assert.rejects(runBacktest({ ...flags(), horizon: '3', origins: '2', quantiles: '0,0.5' }, sink()), /--quantiles: expected levels strictly between 0 and 1, got "0"/);
  });

  it('GIVEN a --report in a folder that does not exist WHEN backtesting THEN an input error names --report before the backtest runs (it failed with exit 1 after it)', async () => {
    await assert.rejects(runBacktest({ ...flags(), horizon: '3', origins: '2', report: '/no-such-folder/r.html' }, sink()), /--report: expected a file in an existing folder/);
  });

  it('GIVEN a valid history WHEN backtesting as JSON THEN each origin has N actuals and the scores name the selected model', async () => {
    const out = sink();
    await runBacktest({ ...flags(), horizon: '4', origins: '3', quantiles: '0.5,0.95' }, out);
    const parsed = JSON.parse(out.text) as { origins: { origin: number; actuals: number[]; quantiles: Record<string, number[]> }[]; scores: Record<string, unknown>; selected: string };
    assert.equal(parsed.origins.length, 3);
    for (const o of parsed.origins) assert.equal(o.actuals.length, 4);
    assert.ok(parsed.selected in parsed.scores);
  });
});
