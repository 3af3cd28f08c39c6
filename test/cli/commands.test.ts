/**
 * The command lines the issues name, run as a user runs them (node bin/shadowscale.js), from a
 * scratch working directory so records land there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'shadowscale.js');
const EXAMPLE = join(ROOT, 'examples', 'shadowscale.yaml');

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function dailyCsv(file: string, days: number): void {
  const lines = ['timestamp,value'];
  const start = Date.parse('2026-10-01T00:00:00Z');
  for (let i = 0; i < days * 288; i++) {
    const v = 200 + 120 * Math.sin((2 * Math.PI * i) / 288) + ((i * 7919) % 17) - 8;
    lines.push(`${new Date(start + i * 300_000).toISOString().replace('T', ' ').slice(0, 19)},${v.toFixed(2)}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('command lines', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'shadowscale-cli-'));
    dailyCsv(join(dir, 'daily.csv'), 6);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN the embedded defaults WHEN `shadowscale demo` (npm start) runs THEN it backtests, applies one tick to the simulator with a standby shadow, records it and prints the offline preview', async () => {
    // A copy of the example and its sample, so the records land in the scratch folder.
    mkdirSync(join(dir, 'examples'));
    mkdirSync(join(dir, 'samples'));
    copyFileSync(EXAMPLE, join(dir, 'examples', 'shadowscale.yaml'));
    copyFileSync(join(ROOT, 'samples', 'nab_cpu_asg_21d.csv'), join(dir, 'samples', 'nab_cpu_asg_21d.csv'));
    const r = await run(['demo', '--config', join(dir, 'examples', 'shadowscale.yaml')], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /## 1\. Backtest of web's history/);
    assert.match(r.stdout, /\* = lowest pinball over these origins/);
    assert.match(r.stdout, /### web: applied/);
    assert.match(r.stdout, /web\/web-g2 \(shadow, standby\): 0 \/ [1-9]\d* \/ \d+, weight 0/, 'a standby shadow with a suspended pool');
    assert.match(r.stdout, /<!-- shadowscale-preview -->/);
    assert.ok(existsSync(join(dir, 'examples', '.shadowscale', 'records.duckdb')), 'records kept under .shadowscale/ next to the configuration');
  });

  it('GIVEN the example configuration WHEN previewing offline as markdown THEN the shadow MIG, its suspended pool, the weights and the resources to create are shown', async () => {
    const r = await run(['preview', '--config', EXAMPLE, '--offline', '--format', 'markdown'], dir);
    assert.equal(r.code, 0, r.stderr);
    const shadow = r.stdout.split('\n').find((l) => l.startsWith('| `web-g2`'));
    assert.ok(shadow, r.stdout);
    const [running, suspended] = shadow.split('|')[5].split('/').map((x) => Number(x.trim()));
    assert.equal(running, 0);
    assert.ok(suspended > 0, shadow);
    assert.match(shadow, /\| 0 \|$/, 'the standby shadow takes no traffic yet');
    assert.match(r.stdout, /create \| `gcp:compute\/instanceGroupManager:InstanceGroupManager` \| `web-g2-mig`/);
    assert.match(r.stdout, /create \| `gcp:compute\/uRLMap:URLMap`/);
  });

  it('GIVEN a history WHEN `forecast --format json` THEN it prints {model, step, origin, quantiles} with N values per level, and --at K uses rows before K only', async () => {
    const args = ['forecast', '--history', join(dir, 'daily.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--horizon', '12', '--quantiles', '0.5,0.9,0.99', '--format', 'json'];
    const end = JSON.parse((await run(args, dir)).stdout);
    assert.deepEqual(Object.keys(end).sort(), ['model', 'origin', 'quantiles', 'step']);
    assert.equal(end.step, '5m');
    assert.equal(end.origin, 6 * 288);
    for (const q of ['0.5', '0.9', '0.99']) assert.equal(end.quantiles[q].length, 12);
    const at = JSON.parse((await run([...args, '--at', '1000'], dir)).stdout);
    assert.equal(at.origin, 1000);
  });

  it('GIVEN a history WHEN `backtest --format json --report` THEN origins carry quantiles and actuals, scores are per model, and the HTML report is written', async () => {
    const report = join(dir, 'backtest.html');
    const r = await run(['backtest', '--history', join(dir, 'daily.csv'), '--value-column', 'value', '--time-column', 'timestamp', '--horizon', '12', '--origins', '5', '--quantiles', '0.5,0.95', '--format', 'json', '--report', report], dir);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.origins.length, 5);
    for (const o of out.origins) {
      assert.equal(o.actuals.length, 12);
      assert.equal(o.quantiles['0.95'].length, 12);
    }
    assert.ok(Object.keys(out.scores).length >= 2);
    assert.match(readFileSync(report, 'utf8'), /<figure data-chart="backtest"/);
  });

  it('GIVEN bad input WHEN a command runs THEN it exits 2 with one line naming the file and the column', async () => {
    const r = await run(['forecast', '--history', join(dir, 'daily.csv'), '--value-column', 'nope', '--time-column', 'timestamp', '--horizon', '3', '--format', 'json'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /daily\.csv.*"nope"/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    const bad = await run(['validate', '--config', join(dir, 'daily.csv')], dir);
    assert.equal(bad.code, 2);
  });

  it('GIVEN a missing or unknown flag WHEN a command runs THEN it exits 2 with a shadowscale: line naming the flag (commander exited 1); --help still exits 0', async () => {
    const missing = await run(['forecast', '--history', join(dir, 'daily.csv'), '--horizon', '3'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^shadowscale: required option '--value-column <col>' not specified/);
    const unknown = await run(['forecast', '--history', join(dir, 'daily.csv'), '--value-column', 'value', '--horizon', '3', '--bogus', '1'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^shadowscale: unknown option '--bogus'/);
    const help = await run(['forecast', '--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: shadowscale forecast/);
  });

  it('GIVEN a history that stopped before the origin WHEN forecasting THEN stderr reports the gap and how stale the origin is, and the quantiles are spread', async () => {
    const file = join(dir, 'stopped.csv');
    const lines = ['timestamp,value'];
    const start = Date.parse('2026-10-01T00:00:00Z');
    for (let i = 0; i < 6 * 288; i++) {
      // Noise of an irrational frequency: errors of a seasonal model take many values.
      const v = 200 + 120 * Math.sin((2 * Math.PI * i) / 288) + 10 * Math.sin(1.7 * i);
      // The last 24 rows keep their times but lose their values: the metric stopped reporting.
      lines.push(`${new Date(start + i * 300_000).toISOString()},${i >= 6 * 288 - 24 ? '' : v.toFixed(2)}`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await run(['forecast', '--history', file, '--value-column', 'value', '--time-column', 'timestamp', '--horizon', '3', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /stopped\.csv: 1728 points on a 5m grid from .*; 1 gap\(s\), 24 missing step\(s\), the longest 24: marked as gaps, not filled/);
    assert.match(r.stderr, /the 24 step\(s\) before the origin are gaps \(last value at [0-9T:.-]+Z\): forecast from that value 25 to 27 steps ahead/);
    const out = JSON.parse(r.stdout) as { quantiles: Record<string, number[]> };
    assert.ok(out.quantiles['0.99']!.every((v, h) => v > out.quantiles['0.5']![h]!), r.stdout);
  });

  it('GIVEN a configuration with several problems WHEN `shadowscale validate` runs THEN it exits 2 with one line per problem, each FILE:LINE: path: expected', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, [
      'version: 1',
      'limits: { maxVms: 5, maxSpendPerHour: 100 }',
      'workloads:',
      '  - name: web',
      '    history: { file: daily.csv, valueColumn: value }',
      '    signals: [{ name: rps, capacityPerVm: 100 }]',
      '    latencies: { boot: 0s }',
      '    placements:',
      '      - { id: a, zone: us-central1-a, region: us-central1, machineType: n2-standard-4, pricePerHour: 0.2 }',
      '',
    ].join('\n'));
    const r = await run(['validate', '--config', file], dir);
    assert.equal(r.code, 2);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    for (const line of lines) assert.match(line, /^shadowscale: .*broken\.yaml:\d+: workloads\.0\.[a-z.]+: expected /);
    assert.ok(lines.some((l) => /broken\.yaml:5: workloads\.0\.history: expected "timeColumn" or "step"/.test(l)), r.stderr);
    assert.ok(lines.some((l) => /broken\.yaml:7: workloads\.0\.latencies\.boot: expected a positive duration/.test(l)), r.stderr);
  });
});
