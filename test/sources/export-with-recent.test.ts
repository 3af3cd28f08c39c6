import assert from 'node:assert/strict';
import { ExportWithRecentHistorySource } from '../../forecaster/sources/export-with-recent';
import type { HistoryQuery, HistorySource } from '../../automation/ports';
import type { Series } from '../../forecaster/types';

const STEP = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00Z');

function source(startMs: number, values: number[], calls: HistoryQuery[]): HistorySource {
  return {
    read: async (q) => {
      calls.push(q);
      return { name: 'src', startMs, stepMs: STEP, values: Float64Array.from(values) } as Series;
    },
  };
}

describe('BigQuery export topped up with recent Cloud Monitoring minutes', () => {
  it('GIVEN an export that lags 3 minutes WHEN read up to now THEN the recent minutes come from Monitoring and the grid continues', async () => {
    const exportCalls: HistoryQuery[] = [];
    const recentCalls: HistoryQuery[] = [];
    const exported = source(T0, [1, 2, 3, 4, 5], exportCalls); // 10:00..10:04
    const recent = source(T0 + 5 * STEP, [6, 7, 8], recentCalls); // 10:05..10:07
    const s = await new ExportWithRecentHistorySource(exported, recent, 30 * 60_000).read({ end: new Date(T0 + 8 * STEP) });
    assert.deepEqual(Array.from(s.values), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(recentCalls.length, 1);
    assert.equal(recentCalls[0].end?.getTime(), T0 + 8 * STEP);
    assert.ok((recentCalls[0].start?.getTime() ?? Infinity) <= T0 + 5 * STEP, 'asks from where the export ends, or earlier');
    assert.equal(recentCalls[0].stepMs, STEP);
  });

  it('GIVEN the export has a gap the recent source covers WHEN merged THEN the export keeps its own values but its newest, and the gap is filled', async () => {
    const exported = source(T0, [1, Number.NaN, 3, 5], []);
    const recent = source(T0, [9, 2, 9, 4, 6], []);
    const s = await new ExportWithRecentHistorySource(exported, recent, 10 * STEP).read({ end: new Date(T0 + 5 * STEP) });
    assert.deepEqual(Array.from(s.values), [1, 2, 3, 4, 6]);
  });

  it('GIVEN an export whose rows are DELTA WHEN the recent minutes are read THEN the recent source is the one for DELTA (aligned as a GAUGE, a request count read ~60x the export rate)', async () => {
    const exported = Object.assign(source(T0, [1, 2, 3], []), { lastMetricKind: 'DELTA' });
    const asked: (string | undefined)[] = [];
    const recentFor = (kind: string | undefined) => {
      asked.push(kind);
      return source(T0 + 3 * STEP, [4], []);
    };
    const merged = new ExportWithRecentHistorySource(exported, recentFor, 10 * STEP);
    await merged.read({ end: new Date(T0 + 4 * STEP) });
    await merged.read({ end: new Date(T0 + 4 * STEP) });
    assert.deepEqual(asked, ['DELTA'], 'one recent source per kind, made once');
  });

  it('GIVEN the export\'s newest step holds part of its period WHEN merged THEN Monitoring\'s complete value wins there, and only there', async () => {
    // 10:02 exported with 2 of its minutes (a DELTA rate of 3 instead of 10).
    const exported = source(T0, [10, 10, 3, Number.NaN], []);
    const recent = source(T0 + STEP, [11, 10, 10], []); // 10:01..10:03
    const s = await new ExportWithRecentHistorySource(exported, recent, 3 * STEP).read({ end: new Date(T0 + 4 * STEP) });
    assert.deepEqual(Array.from(s.values), [10, 10, 10, 10]);
  });
});
