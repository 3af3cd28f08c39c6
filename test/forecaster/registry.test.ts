import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbRecordsStore } from '../../automation/adapters/records-duckdb';

describe('records store (DuckDB file)', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'shadowscale-records-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('GIVEN two saved models WHEN reopening the file THEN the latest version round-trips with its fields', async () => {
    const file = join(dir, 'nested', 'records.duckdb');
    const store = await DuckDbRecordsStore.open(file);
    const base = { workload: 'web', kind: 'mstl', params: { periods: [288], factor: 6 }, trainStart: '2024-01-01T00:00:00.000Z', trainEnd: '2024-01-15T00:00:00.000Z', scores: { pinball: 1.25, mase: 0.8 }, createdAt: '2024-01-15T00:01:00.000Z' };
    const v1 = await store.saveModel(base);
    const v2 = await store.saveModel({ ...base, kind: 'ets', createdAt: '2024-01-16T00:00:00.000Z' });
    await store.saveModel({ ...base, workload: 'api' });
    assert.deepEqual([v1.version, v2.version], [1, 2]);
    await store.saveForecast('web', { model: 'ets', stepMs: 300000, origin: 10, originTime: '2024-01-16T00:00:00.000Z', horizon: 2, quantiles: { '0.5': [1, 2], '0.95': [3, 4] } }, '2024-01-16T00:00:01.000Z');
    await store.saveDecisions([{ workload: 'web', code: 'shadow.create', message: 'forecast p95 needs 3 VMs', numbers: { vms: 3 } }], '2024-01-16T00:00:02.000Z');
    await store.close();

    const reopened = await DuckDbRecordsStore.open(file);
    assert.deepEqual(await reopened.latestModel('web'), { ...base, kind: 'ets', createdAt: '2024-01-16T00:00:00.000Z', version: 2 });
    assert.equal((await reopened.latestModel('api'))?.version, 1);
    assert.equal(await reopened.latestModel('nobody'), undefined);
    const forecasts = await reopened.forecasts('web');
    assert.deepEqual(forecasts[0]!.quantiles, { '0.5': [1, 2], '0.95': [3, 4] });
    const decisions = await reopened.decisions();
    assert.deepEqual(decisions.map((d) => [d.code, d.numbers['vms']]), [['shadow.create', 3]]);
    await reopened.close();
  });

  it('GIVEN no records file WHEN opened read-only (a preview) THEN there is no store; GIVEN one THEN its models are read and nothing can be written', async () => {
    assert.equal(await DuckDbRecordsStore.openReadOnly(join(dir, 'none', 'records.duckdb')), undefined);
    const file = join(dir, 'ro.duckdb');
    const store = await DuckDbRecordsStore.open(file);
    await store.saveModel({ workload: 'web', kind: 'ets', params: {}, trainStart: '2024-01-01T00:00:00.000Z', trainEnd: '2024-01-02T00:00:00.000Z', scores: { pinball: 1 }, createdAt: '2024-01-02T00:00:00.000Z' });
    await store.close();
    const ro = (await DuckDbRecordsStore.openReadOnly(file))!;
    assert.equal((await ro.latestModel('web'))?.kind, 'ets');
    await assert.rejects(ro.saveModel({ workload: 'web', kind: 'mstl', params: {}, trainStart: '', trainEnd: '', scores: {}, createdAt: '' }), /records store .*ro\.duckdb: saving model of "web" failed/);
    await ro.close();
  });

  it('GIVEN a store written before rows carried a wall time, and a frozen plan clock WHEN decisions are saved twice at the same plan time THEN the old rows still read and the two runs are told apart by recorded_at', async () => {
    const file = join(dir, 'old.duckdb');
    const old = await DuckDBInstance.create(file);
    const c = await old.connect();
    await c.run(`CREATE TABLE decisions (decided_at VARCHAR NOT NULL, workload VARCHAR NOT NULL, code VARCHAR NOT NULL, message VARCHAR NOT NULL, numbers JSON NOT NULL, generation VARCHAR)`);
    await c.run(`INSERT INTO decisions VALUES ('2014-06-04T01:14:00.000Z', 'web', 'hold', 'old row', '{}', NULL)`);
    c.closeSync();
    old.closeSync();
    let wall = Date.parse('2026-11-24T10:00:00Z');
    const store = await DuckDbRecordsStore.open(file, () => new Date(wall));
    const at = '2014-06-04T01:14:00.000Z';
    await store.saveDecisions([{ workload: 'web', code: 'hold', message: 'run 1', numbers: {} }], at);
    wall += 15 * 60_000;
    await store.saveDecisions([{ workload: 'web', code: 'hold', message: 'run 2', numbers: {} }], at);
    const rows = await store.decisions();
    assert.deepEqual(rows.map((r) => [r.message, r.at, r.recordedAt]), [
      ['old row', at, undefined],
      ['run 1', at, '2026-11-24T10:00:00.000Z'],
      ['run 2', at, '2026-11-24T10:15:00.000Z'],
    ]);
    await store.close();
  });
});
