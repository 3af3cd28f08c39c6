import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ShadowscaleError } from '../../automation/errors';
import { FileHistorySource, readHistoryFile } from '../../forecaster/sources/files';

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 1, 0, 0, 0);

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('.000Z', '');
}

/** Asserts a rejected read is our input error and its message contains every fragment. */
async function rejectsWith(promise: Promise<unknown>, code: string, fragments: (string | RegExp)[]): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ShadowscaleError, `expected ShadowscaleError, got ${String(e)}`);
    assert.equal(e.kind, 'input');
    assert.equal(e.code, code, e.message);
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(e.message.includes(f), `message "${e.message}" lacks "${f}"`);
      else assert.match(e.message, f);
    }
    return true;
  });
}

describe('sources/files: readHistoryFile', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'shadowscale-files-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN a CSV with YYYY-MM-DD HH:MM:SS times WHEN read THEN the grid starts at the first time (UTC) with the inferred step', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => `${iso(T0 + i * 5 * MIN)},${10 + i}`);
    const file = write('iso.csv', `timestamp,value\n${rows.join('\n')}\n`);
    const { series, report } = await readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' });
    assert.equal(series.startMs, T0);
    assert.equal(series.stepMs, 5 * MIN);
    assert.deepEqual(Array.from(series.values), [10, 11, 12, 13, 14, 15]);
    assert.equal(report.rowsRead, 6);
    assert.ok(series.name.includes('iso.csv'));
  });

  it('GIVEN ISO 8601 times with a zone offset WHEN read THEN the offset is honoured', async () => {
    const file = write('offset.csv', 'ds,y\n2024-03-01T02:00:00+02:00,1\n2024-03-01T03:00:00+02:00,2\n');
    const { series } = await readHistoryFile({ file, timeColumn: 'ds', valueColumn: 'y' });
    assert.equal(series.startMs, T0);
    assert.equal(series.stepMs, 60 * MIN);
  });

  it('GIVEN an epoch-seconds column WHEN read THEN numbers are seconds since the epoch', async () => {
    const file = write('epoch.csv', 'timestamp,cpu_usage,other\n0,5.5,1\n300,6.5,1\n600,7.5,1\n');
    const { series } = await readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'cpu_usage' });
    assert.equal(series.startMs, 0);
    assert.equal(series.stepMs, 300_000);
    assert.deepEqual(Array.from(series.values), [5.5, 6.5, 7.5]);
  });

  it('GIVEN an epoch-milliseconds column WHEN read THEN values above 1e11 are taken as milliseconds', async () => {
    const file = write('epoch-ms.csv', `t,v\n${T0},1\n${T0 + MIN},2\n`);
    const { series } = await readHistoryFile({ file, timeColumn: 't', valueColumn: 'v' });
    assert.equal(series.startMs, T0);
    assert.equal(series.stepMs, MIN);
  });

  it('GIVEN no time column and a step WHEN read THEN row i sits at i × step from 1970-01-01T00:00:00Z', async () => {
    const file = write('rows.csv', 'cpu_util_percent,mem\n3,9\n4,9\n5,9\n');
    const { series, report } = await readHistoryFile({ file, valueColumn: 'cpu_util_percent', stepMs: 30_000 });
    assert.equal(series.startMs, 0);
    assert.equal(series.stepMs, 30_000);
    assert.deepEqual(Array.from(series.values), [3, 4, 5]);
    assert.equal(report.stepInferred, false);
    assert.equal(report.endIso, '1970-01-01T00:01:00.000Z');
  });

  it('GIVEN gaps, duplicate timestamps and out-of-order rows WHEN read THEN they are sorted, averaged and left as NaN', async () => {
    const file = write('messy.csv', ['timestamp,value', `${iso(T0 + 2 * MIN)},30`, `${iso(T0)},10`, `${iso(T0 + MIN)},18`, `${iso(T0 + MIN)},22`, `${iso(T0 + 5 * MIN)},60`].join('\n'));
    const { series, report } = await readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' });
    assert.deepEqual(Array.from(series.values), [10, 20, 30, NaN, NaN, 60]);
    assert.equal(report.outOfOrderRows, 1);
    assert.equal(report.duplicatesAveraged, 1);
    assert.deepEqual(report.gaps, { count: 1, missingSteps: 2, longestSteps: 2 });
  });

  it('GIVEN negative, NaN and empty values WHEN read THEN they are dropped to gaps and their data rows reported', async () => {
    const rows = [10, -1, 'NaN', '', 14].map((v, i) => `${iso(T0 + i * MIN)},${v}`);
    const file = write('bad-values.csv', `timestamp,value\n${rows.join('\n')}\n`);
    const { series, report } = await readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' });
    assert.deepEqual(Array.from(series.values), [10, NaN, NaN, NaN, 14]);
    assert.deepEqual(report.dropped, { count: 3, firstRows: [2, 3, 4] });
  });

  it('GIVEN a column name in a different case WHEN read THEN it is matched', async () => {
    const file = write('case.csv', 'Time,Requests\n2024-03-01 00:00:00,1\n2024-03-01 00:01:00,2\n');
    const { series } = await readHistoryFile({ file, timeColumn: 'time', valueColumn: 'requests' });
    assert.equal(series.values.length, 2);
  });

  it('GIVEN a column name with quotes and spaces WHEN read THEN it is quoted as an identifier, not pasted into SQL', async () => {
    const file = write('odd-name.csv', 'when,"req ""per"" s"\n2024-03-01 00:00:00,1\n2024-03-01 00:01:00,2\n');
    const { series } = await readHistoryFile({ file, timeColumn: 'when', valueColumn: 'req "per" s' });
    assert.deepEqual(Array.from(series.values), [1, 2]);
  });

  it('GIVEN a resample step WHEN read THEN values are averaged into it', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${iso(T0 + i * MIN)},${i}`);
    const file = write('resample.csv', `timestamp,value\n${rows.join('\n')}\n`);
    const { series } = await readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value', resampleMs: 5 * MIN });
    assert.deepEqual(Array.from(series.values), [2, 7]);
  });

  it('GIVEN a Parquet file with a TIMESTAMP column WHEN read THEN it reads like the CSV', async () => {
    const file = join(dir, 'history.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT TIMESTAMP '2024-03-01 00:00:00' + INTERVAL (i) MINUTE AS ts, CAST(i * 2 AS DOUBLE) AS requests FROM range(5) t(i) WHERE i <> 3) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`,
    );
    connection.closeSync();
    const { series, report } = await readHistoryFile({ file, timeColumn: 'ts', valueColumn: 'requests' });
    assert.equal(series.startMs, T0);
    assert.equal(series.stepMs, MIN);
    assert.deepEqual(Array.from(series.values), [0, 2, 4, NaN, 8]);
    assert.equal(report.gaps.count, 1);
  });

  it('GIVEN a Parquet file with epoch seconds WHEN read THEN numbers are seconds', async () => {
    const file = join(dir, 'epoch.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT i * 60 AS t, i AS v FROM range(4) r(i)) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
    connection.closeSync();
    const { series } = await readHistoryFile({ file, timeColumn: 't', valueColumn: 'v' });
    assert.equal(series.startMs, 0);
    assert.equal(series.stepMs, MIN);
    assert.deepEqual(Array.from(series.values), [0, 1, 2, 3]);
  });

  it('GIVEN a 16k-row CSV WHEN read THEN it takes well under a second', async () => {
    const rows = Array.from({ length: 16_000 }, (_, i) => `${iso(T0 + i * 5 * MIN)},${(i % 288) + 0.5}`);
    const file = write('big.csv', `timestamp,value\n${rows.join('\n')}\n`);
    await readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }); // warm DuckDB
    const started = performance.now();
    const { series } = await readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' });
    const elapsed = performance.now() - started;
    assert.equal(series.values.length, 16_000);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });

  describe('bad input', () => {
    it('GIVEN a missing file THEN the error names the file', async () => {
      const file = join(dir, 'nope.csv');
      await rejectsWith(readHistoryFile({ file, timeColumn: 't', valueColumn: 'v' }), 'file-missing', [file, 'not found']);
    });

    it('GIVEN a directory THEN the error says a file is expected (DuckDB would read every file in it)', async () => {
      const path = join(dir, 'a-directory.csv');
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'inner.csv'), 'timestamp,value\n2024-03-01 00:00:00,1\n');
      await rejectsWith(readHistoryFile({ file: path, timeColumn: 'timestamp', valueColumn: 'value' }), 'file-not-a-file', [path, 'expected a CSV or Parquet file, got a directory']);
    });

    it('GIVEN a row with more fields than the header, early or late in the file THEN the error names its line (early, the sniffer read one column and blamed the value column)', async () => {
      const rows = (bad: number) => Array.from({ length: 3000 }, (_, i) => `${iso(T0 + i * MIN)},${i}${i === bad ? ',extra' : ''}`);
      const early = write('ragged-early.csv', `timestamp,value\n${rows(299).join('\n')}\n`);
      await rejectsWith(readHistoryFile({ file: early, timeColumn: 'timestamp', valueColumn: 'value' }), 'file-unreadable', [early, 'line 301 of the file has 3 fields, the header has 2']);
      const late = write('ragged-late.csv', `timestamp,value\n${rows(2899).join('\n')}\n`);
      await rejectsWith(readHistoryFile({ file: late, timeColumn: 'timestamp', valueColumn: 'value' }), 'file-unreadable', [late, 'line 2901 of the file has 3 fields, the header has 2']);
    });

    it('GIVEN the value column named as the time column too THEN the error says so', async () => {
      const file = write('same.csv', `timestamp,value\n${iso(T0)},1\n${iso(T0 + MIN)},2\n`);
      await rejectsWith(readHistoryFile({ file, timeColumn: 'value', valueColumn: 'value' }), 'time-column-is-value', [file, 'column "value"', 'another column than the value column']);
    });

    it('GIVEN a missing value column THEN the error names it and lists the columns that exist', async () => {
      const file = write('cols.csv', 'timestamp,cpu,mem\n2024-03-01 00:00:00,1,2\n');
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'requests' }), 'value-column-missing', [file, 'column "requests"', '"timestamp", "cpu", "mem"']);
    });

    it('GIVEN a missing time column THEN the error names it and lists the columns', async () => {
      const file = write('cols2.csv', 'ts,value\n2024-03-01 00:00:00,1\n');
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }), 'time-column-missing', [file, 'column "timestamp"', '"ts", "value"']);
    });

    it('GIVEN neither a time column nor a step THEN the error says to give one', async () => {
      const file = write('noclock.csv', 'value\n1\n2\n');
      await rejectsWith(readHistoryFile({ file, valueColumn: 'value' }), 'no-clock', [file, '--time-column', '--step']);
    });

    it('GIVEN an unparsable time THEN the error names the file, data row and column', async () => {
      const rows = Array.from({ length: 20 }, (_, i) => `${i === 16 ? 'yesterday-ish' : iso(T0 + i * MIN)},${i}`);
      const file = write('badtime.csv', `timestamp,value\n${rows.join('\n')}\n`);
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }), 'time-unparsable', [file, 'row 17', 'column "timestamp"', '"yesterday-ish"', 'after the header']);
    });

    it('GIVEN an empty time cell THEN the error names the row', async () => {
      const file = write('emptytime.csv', `timestamp,value\n${iso(T0)},1\n,2\n`);
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }), 'time-unparsable', [file, 'row 2', 'column "timestamp"', 'empty cell']);
    });

    it('GIVEN a non-numeric value far down the file THEN the error names the file, data row and column', async () => {
      const rows = Array.from({ length: 3000 }, (_, i) => `${iso(T0 + i * MIN)},${i === 2999 ? 'twelve' : i}`);
      const file = write('badvalue.csv', `timestamp,value\n${rows.join('\n')}\n`);
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }), 'value-not-numeric', [file, 'row 3000', 'column "value"', '"twelve"']);
    });

    it('GIVEN a 0-byte file THEN the error says the file is empty (not that a column is missing)', async () => {
      const file = write('zero.csv', '');
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }), 'empty-file', [file, 'the file is empty']);
    });

    it('GIVEN a header and no rows THEN the series is empty', async () => {
      const file = write('empty.csv', 'timestamp,value\n');
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }), 'empty-series', [file, 'no data rows']);
    });

    it('GIVEN only negative values THEN the series is empty', async () => {
      const file = write('allneg.csv', `timestamp,value\n${iso(T0)},-1\n${iso(T0 + MIN)},-2\n`);
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value' }), 'empty-series', [file, 'column "value"', 'all 2 data rows']);
    });

    it('GIVEN fewer usable points than the minimum THEN the error says how many are needed', async () => {
      const file = write('short.csv', `timestamp,value\n${iso(T0)},1\n${iso(T0 + MIN)},2\n${iso(T0 + 2 * MIN)},-1\n`);
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value', minPoints: 48 }), 'too-few-points', [file, 'has 2 usable points', 'at least 48']);
    });

    it('GIVEN a resample step that is not a multiple THEN the error names --resample', async () => {
      const file = write('res.csv', `timestamp,value\n${iso(T0)},1\n${iso(T0 + 2 * MIN)},2\n`);
      await rejectsWith(readHistoryFile({ file, timeColumn: 'timestamp', valueColumn: 'value', resampleMs: 3 * MIN }), 'bad-resample', ['--resample']);
    });

    it('GIVEN a file that is not Parquet with a .parquet name THEN the error names the file', async () => {
      const file = write('fake.parquet', 'not parquet at all');
      await rejectsWith(readHistoryFile({ file, timeColumn: 't', valueColumn: 'v' }), 'file-unreadable', [file, 'Parquet']);
    });
  });
});

describe('sources/files: FileHistorySource', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'shadowscale-filesrc-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN a file source WHEN reading a window and a coarser step THEN it returns [start, end) on that step', async () => {
    const file = join(dir, 'h.csv');
    writeFileSync(file, `timestamp,value\n${Array.from({ length: 20 }, (_, i) => `${iso(T0 + i * MIN)},${i}`).join('\n')}\n`);
    const source = new FileHistorySource({ file, timeColumn: 'timestamp', valueColumn: 'value' });
    const window = await source.read({ start: new Date(T0 + 5 * MIN), end: new Date(T0 + 8 * MIN) });
    assert.equal(window.startMs, T0 + 5 * MIN);
    assert.deepEqual(Array.from(window.values), [5, 6, 7]);
    const coarse = await source.read({ stepMs: 10 * MIN });
    assert.deepEqual(Array.from(coarse.values), [4.5, 14.5]);
  });

  it('GIVEN an aborted signal WHEN reading THEN it is cancelled', async () => {
    const source = new FileHistorySource({ file: join(dir, 'h.csv'), timeColumn: 'timestamp', valueColumn: 'value' });
    await assert.rejects(source.read({ signal: AbortSignal.abort() }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'cancelled');
  });
});
