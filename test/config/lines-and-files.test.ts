import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig, parseConfig, validateConfigFile } from '../../automation/config';
import { ShadowscaleError } from '../../automation/errors';

const FILE = 'conf/shadowscale.yaml';

/**
 * A one-workload config, one key per line so each test knows its lines (numbered for the
 * defaults): `extraPlacement` becomes line 14, `extraWorkload` line 17 when the other is absent.
 */
function config(o: { history?: string; signals?: string; extraWorkload?: string; extraPlacement?: string } = {}): string {
  return [
    'version: 1',                                                                   // 1
    'tick: 15m',                                                                    // 2
    'workloads:',                                                                   // 3
    '  - name: web',                                                                // 4
    '    history:',                                                                 // 5
    ...(o.history ?? '      file: data/h.csv\n      valueColumn: value\n      timeColumn: timestamp').split('\n'), // 6-8
    '    signals:',                                                                 // 9
    ...(o.signals ?? '      - { name: cpu, capacityPerVm: 2.5 }').split('\n'),      // 10
    '    placements:',                                                              // 11
    '      - id: a',                                                                // 12
    '        region: us-central1',                                                  // 13
    ...(o.extraPlacement ? [o.extraPlacement] : []),
    '        machineType: n2-standard-4',                                           // 14
    '        pricePerHour: 0.2',                                                    // 15
    '    priority: 10',                                                             // 16
    ...(o.extraWorkload ? [o.extraWorkload] : []),
    '    horizon: 2h',                                                              // 17
    '',
  ].join('\n');
}

function problemLines(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ShadowscaleError, 'expected a ShadowscaleError');
    assert.equal(err.kind, 'config');
    return err.message.split('\n');
  }
  assert.fail('expected the configuration to be rejected');
}

async function asyncProblemLines(run: () => Promise<unknown>): Promise<string[]> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof ShadowscaleError, `expected a ShadowscaleError, got ${String(err)}`);
    assert.equal(err.kind, 'config');
    return err.message.split('\n');
  }
  assert.fail('expected the configuration to be rejected');
}

describe('config errors point at the offending key', () => {
  it('GIVEN a top-level typo "tikc" on line 2 WHEN parsed THEN the error is at line 2, names the key and the field meant', () => {
    const text = config().replace('tick: 15m', 'tikc: 15m');
    assert.deepEqual(problemLines(() => parseConfig(text, FILE)), ['conf/shadowscale.yaml:2: tikc: unknown field, did you mean "tick"?']);
  });

  it('GIVEN "prioritty" inside workloads[0] on line 17 WHEN parsed THEN the error is at line 17, not the workload\'s line 4', () => {
    const text = config({ extraWorkload: '    prioritty: 3' });
    assert.equal(text.split('\n')[16], '    prioritty: 3', 'the fixture puts the typo on line 17');
    assert.deepEqual(problemLines(() => parseConfig(text, FILE)), ['conf/shadowscale.yaml:17: workloads.0.prioritty: unknown field, did you mean "priority"?']);
  });

  it('GIVEN "quotaVMs" in a placement on line 14 WHEN parsed THEN the error is at line 14, not the placement\'s line 12', () => {
    const text = config({ extraPlacement: '        quotaVMs: 10' });
    assert.equal(text.split('\n')[13], '        quotaVMs: 10');
    assert.deepEqual(problemLines(() => parseConfig(text, FILE)), ['conf/shadowscale.yaml:14: workloads.0.placements.0.quotaVMs: unknown field, did you mean "quotaVms"?']);
  });

  it('GIVEN an unknown key close to no field WHEN parsed THEN the fields that exist there are listed', () => {
    const text = config({ extraPlacement: '        colour: blue' });
    assert.deepEqual(problemLines(() => parseConfig(text, FILE)), [
      'conf/shadowscale.yaml:14: workloads.0.placements.0.colour: unknown field, expected one of "id", "zone", "region", "machineType", "pricePerHour", "suspendedPricePerHour", "stoppedPricePerHour", "quotaVms"',
    ]);
  });

  it('GIVEN an empty file WHEN parsed THEN the top-level error still has a line', () => {
    assert.deepEqual(problemLines(() => parseConfig('', FILE)), ['conf/shadowscale.yaml:1: (top level): expected object']);
  });
});

describe('validate opens every file history (header or schema only)', () => {
  let dir: string;
  let cfg: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shadowscale-cfg-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'h.csv'), 'timestamp,value,requests\n2026-01-01 00:00:00,1,10\n2026-01-01 00:05:00,2,20\n');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT TIMESTAMP '2026-01-01' + INTERVAL (i * 5) MINUTE AS ts, i::DOUBLE AS cpu FROM range(3) t(i)) TO '${join(dir, 'data', 'h.parquet').replace(/'/g, "''")}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    cfg = join(dir, 'shadowscale.yaml');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN files and columns that exist (CSV relative to the config, Parquet) WHEN validated THEN the config is returned', async () => {
    writeFileSync(cfg, config({ signals: '      - { name: cpu, capacityPerVm: 2.5 }\n      - { name: rps, capacityPerVm: 100, history: { valueColumn: requests } }\n      - { name: pq, capacityPerVm: 1, history: { file: data/h.parquet, valueColumn: CPU, timeColumn: ts } }' }));
    const c = await validateConfigFile(cfg);
    assert.equal(c.workloads[0].signals.length, 3, 'a column named in another case is accepted, as the reader matches it');
  });

  it('GIVEN a history file that does not exist WHEN validated THEN the error is at the "file" key with the path as written and as resolved', async () => {
    writeFileSync(cfg, config({ history: '      file: data/missing.csv\n      valueColumn: value\n      timeColumn: timestamp' }));
    assert.deepEqual(await asyncProblemLines(() => validateConfigFile(cfg)), [
      `${cfg}:6: workloads.0.history.file: expected an existing CSV or Parquet file, got "data/missing.csv" (not found at ${resolve(dir, 'data/missing.csv')})`,
    ]);
    assert.equal(loadConfig(cfg).workloads[0].name, 'web', 'loading (every other command) does not open history files');
  });

  it('GIVEN a valueColumn the CSV lacks WHEN validated THEN the error is at the valueColumn key and lists the file\'s columns', async () => {
    writeFileSync(cfg, config({ history: '      file: data/h.csv\n      valueColumn: nope\n      timeColumn: timestamp' }));
    assert.deepEqual(await asyncProblemLines(() => validateConfigFile(cfg)), [
      `${cfg}:7: workloads.0.history.valueColumn: expected one of the file's columns "timestamp", "value", "requests", got "nope"`,
    ]);
  });

  it('GIVEN a signal override { valueColumn: cpu } the workload\'s file lacks WHEN validated THEN the error is at the signal\'s line and path', async () => {
    writeFileSync(cfg, config({ signals: '      - { name: cpu, capacityPerVm: 2.5 }\n      - name: rps\n        capacityPerVm: 100\n        history: { valueColumn: cpu }' }));
    assert.deepEqual(await asyncProblemLines(() => validateConfigFile(cfg)), [
      `${cfg}:13: workloads.0.signals.1.history.valueColumn: expected one of the file's columns "timestamp", "value", "requests", got "cpu" (in "data/h.csv", set at workloads.0.history.file)`,
    ]);
  });

  it('GIVEN a timeColumn the Parquet file lacks and a missing file elsewhere WHEN validated THEN each is one line at its own key', async () => {
    writeFileSync(cfg, config({
      history: '      file: data/h.parquet\n      valueColumn: cpu\n      timeColumn: timestamp',
      signals: '      - { name: cpu, capacityPerVm: 2.5 }\n      - { name: rps, capacityPerVm: 100, history: { file: /nonexistent/r.csv } }',
    }));
    assert.deepEqual(await asyncProblemLines(() => validateConfigFile(cfg)), [
      `${cfg}:8: workloads.0.history.timeColumn: expected one of the file's columns "ts", "cpu", got "timestamp"`,
      `${cfg}:11: workloads.0.signals.1.history.file: expected an existing CSV or Parquet file, got "/nonexistent/r.csv" (not found at /nonexistent/r.csv)`,
    ]);
  });

  it('GIVEN a signal\'s own file that lacks the time column it inherits WHEN validated THEN the error is at the workload\'s timeColumn and names the signal\'s file', async () => {
    writeFileSync(cfg, config({ signals: '      - { name: cpu, capacityPerVm: 2.5 }\n      - { name: pq, capacityPerVm: 1, history: { file: data/h.parquet, valueColumn: cpu } }' }));
    assert.deepEqual(await asyncProblemLines(() => validateConfigFile(cfg)), [
      `${cfg}:8: workloads.0.history.timeColumn: expected one of the file's columns "ts", "cpu", got "timestamp" (in "data/h.parquet", set at workloads.0.signals.1.history.file)`,
    ]);
  });

  it('GIVEN an empty history file WHEN validated THEN it is named at the "file" key, not as a column problem', async () => {
    writeFileSync(join(dir, 'data', 'empty.csv'), '');
    writeFileSync(cfg, config({ history: '      file: data/empty.csv\n      valueColumn: value\n      timeColumn: timestamp' }));
    assert.deepEqual(await asyncProblemLines(() => validateConfigFile(cfg)), [
      `${cfg}:6: workloads.0.history.file: expected a file with a header line or a Parquet schema, got "data/empty.csv" (empty at ${join(dir, 'data', 'empty.csv')})`,
    ]);
  });

  it('GIVEN two problems WHEN `shadowscale validate` runs THEN it exits 2 with one prefixed line per problem and prints nothing on stdout', () => {
    writeFileSync(cfg, config({ history: '      file: data/h.csv\n      valueColumn: nope\n      timeColumn: time' }));
    const run = spawnSync(process.execPath, ['bin/shadowscale.js', 'validate', '--config', cfg], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      `shadowscale: ${cfg}:7: workloads.0.history.valueColumn: expected one of the file's columns "timestamp", "value", "requests", got "nope"`,
      `shadowscale: ${cfg}:8: workloads.0.history.timeColumn: expected one of the file's columns "timestamp", "value", "requests", got "time"`,
    ]);
  });

  it('GIVEN the example configuration (README) WHEN `shadowscale validate` runs THEN it is valid', () => {
    const run = spawnSync(process.execPath, ['bin/shadowscale.js', 'validate', '--config', 'examples/shadowscale.yaml'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'examples/shadowscale.yaml: valid; 1 workload(s): web; deployer sim\n');
  });
});
