import assert from 'node:assert/strict';
import { PassThroughClient } from 'google-auth-library';
import { isRetryable, ShadowscaleError } from '../../automation/errors';
import { mergeRecent, MonitoringHistorySource, type MonitoringHistoryOptions } from '../../forecaster/sources/monitoring';
import type { Series } from '../../forecaster/types';
import { startMonitoringFake, type MonitoringFake } from '../fakes/monitoring-fake';

const MIN = 60_000;
const T0 = Date.UTC(2024, 4, 6, 12, 0, 0);

/** A proto-JSON aligned point whose period ends at `endMs`. */
function point(endMs: number, value: { doubleValue?: number; int64Value?: string }) {
  return { interval: { startTime: new Date(endMs - MIN).toISOString(), endTime: new Date(endMs).toISOString() }, value };
}

describe('sources/monitoring: MonitoringHistorySource against the local Monitoring fake', () => {
  let fake: MonitoringFake;
  const sources: MonitoringHistorySource[] = [];
  beforeEach(async () => {
    fake = await startMonitoringFake();
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await fake.close();
  });

  function source(extra: Partial<MonitoringHistoryOptions> = {}): MonitoringHistorySource {
    const s = new MonitoringHistorySource({
      projectId: 'test',
      metricType: 'compute.googleapis.com/instance/cpu/utilization',
      metricKind: 'GAUGE',
      instanceGroup: 'web-primary',
      stepMs: MIN,
      clientOptions: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', fallback: true, authClient: new PassThroughClient(), projectId: 'test' },
      ...extra,
    });
    sources.push(s);
    return s;
  }

  it('GIVEN a GAUGE metric WHEN read THEN the list request has the filter, the cut-off interval, and numeric aggregation enums', async () => {
    await source().read({ start: new Date(T0), end: new Date(T0 + 10 * MIN) });
    assert.equal(fake.requests.length, 1);
    const req = fake.requests[0]!;
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/v3/projects/test/timeSeries');
    assert.deepEqual(req.query['filter'], ['metric.type = "compute.googleapis.com/instance/cpu/utilization" AND metadata.system_labels.instance_group = "web-primary"']);
    assert.deepEqual(req.query['interval.startTime'], ['2024-05-06T12:00:00.000Z']);
    // 4 minutes of ingest delay are left out: the newest complete minute ends at 12:06.
    assert.deepEqual(req.query['interval.endTime'], ['2024-05-06T12:06:00.000Z']);
    assert.deepEqual(req.query['aggregation.alignmentPeriod'], ['60s']);
    assert.deepEqual(req.query['aggregation.perSeriesAligner'], ['12']); // ALIGN_MEAN
    assert.deepEqual(req.query['aggregation.crossSeriesReducer'], ['4']); // REDUCE_SUM
    assert.deepEqual(req.query['aggregation.groupByFields'], ['metadata.system_labels.instance_group']);
    assert.deepEqual(req.query['view'], ['0']); // FULL
  });

  it('GIVEN a DELTA request count per backend service WHEN read THEN it asks for a rate grouped by the backend service', async () => {
    await source({ metricType: 'loadbalancing.googleapis.com/https/request_count', metricKind: 'DELTA', instanceGroup: undefined, backendService: 'web-bs', stepMs: 5 * MIN }).read({
      start: new Date(T0),
      end: new Date(T0 + 60 * MIN),
    });
    const q = fake.requests[0]!.query;
    assert.deepEqual(q['filter'], ['metric.type = "loadbalancing.googleapis.com/https/request_count" AND resource.label.backend_target_name = "web-bs"']);
    assert.deepEqual(q['aggregation.perSeriesAligner'], ['2']); // ALIGN_RATE
    assert.deepEqual(q['aggregation.alignmentPeriod'], ['300s']);
    assert.deepEqual(q['interval.endTime'], ['2024-05-06T12:55:00.000Z']);
  });

  it('GIVEN points newest first with a gap and an incomplete newest point WHEN read THEN they land on the grid by period start, the incomplete one dropped', async () => {
    fake.setListResponse({
      body: {
        timeSeries: [
          {
            metric: { type: 'compute.googleapis.com/instance/cpu/utilization' },
            resource: { type: 'gce_instance', labels: {} },
            metricKind: 'GAUGE',
            valueType: 'DOUBLE',
            points: [
              point(T0 + 7 * MIN, { doubleValue: 9 }), // past the 12:06 cut-off: incomplete
              point(T0 + 6 * MIN, { doubleValue: 6 }),
              point(T0 + 5 * MIN, { doubleValue: 5 }),
              point(T0 + 3 * MIN, { int64Value: '3' }),
              point(T0 + 1 * MIN, { doubleValue: 1 }),
            ],
          },
        ],
      },
    });
    const s = await source().read({ start: new Date(T0), end: new Date(T0 + 10 * MIN) });
    assert.equal(s.startMs, T0);
    assert.equal(s.stepMs, MIN);
    assert.deepEqual(Array.from(s.values), [1, NaN, 3, NaN, 5, 6]);
  });

  it('GIVEN an answer in two pages WHEN read THEN the client follows nextPageToken and both pages land on the grid', async () => {
    const series = (endMin: number, v: number) => ({ metric: { type: 'm' }, resource: { type: 'gce_instance' }, points: [point(T0 + endMin * MIN, { doubleValue: v })] });
    fake.setListResponse((req) =>
      req.query['pageToken']?.[0] === 'page-2' ? { body: { timeSeries: [series(1, 1)] } } : { body: { timeSeries: [series(2, 2)], nextPageToken: 'page-2' } },
    );
    const s = await source().read({ start: new Date(T0), end: new Date(T0 + 6 * MIN) });
    assert.equal(fake.requests.length, 2);
    assert.deepEqual(Array.from(s.values), [1, 2]);
  });

  it('GIVEN two series for the group WHEN read THEN their values are summed per step', async () => {
    const series = (v: number) => ({ metric: { type: 'm' }, resource: { type: 'gce_instance' }, points: [point(T0 + 2 * MIN, { doubleValue: v }), point(T0 + MIN, { doubleValue: v })] });
    fake.setListResponse({ body: { timeSeries: [series(0.25), series(0.5)] } });
    const s = await source().read({ start: new Date(T0), end: new Date(T0 + 6 * MIN) });
    assert.deepEqual(Array.from(s.values), [0.75, 0.75]);
  });

  it('GIVEN a window shorter than the ingest delay WHEN read THEN nothing is asked and the series is empty', async () => {
    const s = await source().read({ start: new Date(T0), end: new Date(T0 + 3 * MIN) });
    assert.equal(s.values.length, 0);
    assert.equal(fake.requests.length, 0);
  });

  it('GIVEN a 400 INVALID_ARGUMENT WHEN read THEN it is an input error with the server message', async () => {
    fake.setListResponse({ status: 400, body: { error: { code: 400, message: 'Field filter had an invalid value', status: 'INVALID_ARGUMENT' } } });
    await assert.rejects(source().read({ start: new Date(T0), end: new Date(T0 + 10 * MIN) }), (e: unknown) => {
      assert.ok(e instanceof ShadowscaleError);
      assert.equal(e.kind, 'input');
      assert.match(e.message, /Field filter had an invalid value/);
      assert.match(e.message, /web-primary/);
      return true;
    });
  });

  it('GIVEN a 503 UNAVAILABLE WHEN read THEN it is transient', async () => {
    fake.setListResponse({ status: 503, body: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } } });
    await assert.rejects(source().read({ start: new Date(T0), end: new Date(T0 + 10 * MIN) }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'transient' && isRetryable(e) && /currently unavailable/.test(e.message));
  });

  it('GIVEN a group name that would change the filter WHEN constructed THEN it is rejected', () => {
    assert.throws(() => source({ instanceGroup: 'web" OR metric.type = "x' }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'input' && /instanceGroup/.test(e.message));
  });
});

describe('sources/monitoring: mergeRecent', () => {
  const s = (startMin: number, values: number[], name = 'h'): Series => ({ name, startMs: T0 + startMin * MIN, stepMs: MIN, values: Float64Array.from(values) });

  it('GIVEN history with a lagging tail and newer recent points WHEN merged THEN recent fills the gaps and extends the end', () => {
    const merged = mergeRecent(s(0, [1, 2, 3, NaN, NaN]), s(3, [4, 5, 6, 7], 'r'));
    assert.equal(merged.startMs, T0);
    assert.equal(merged.name, 'h');
    assert.deepEqual(Array.from(merged.values), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('GIVEN overlap where both have values WHEN merged THEN history wins (the export is the record)', () => {
    assert.deepEqual(Array.from(mergeRecent(s(0, [1, 2, 3]), s(1, [20, 30, 40])).values), [1, 2, 3, 40]);
  });

  it('GIVEN recent after a hole WHEN merged THEN the hole stays NaN', () => {
    assert.deepEqual(Array.from(mergeRecent(s(0, [1]), s(3, [4])).values), [1, NaN, NaN, 4]);
  });

  it('GIVEN an empty recent series WHEN merged THEN history comes back unchanged as a copy', () => {
    const h = s(0, [1, 2]);
    const merged = mergeRecent(h, s(5, []));
    assert.deepEqual(Array.from(merged.values), [1, 2]);
    assert.notEqual(merged.values, h.values);
  });

  it('GIVEN grids that differ WHEN merged THEN it refuses', () => {
    assert.throws(() => mergeRecent(s(0, [1]), { name: 'r', startMs: T0 + 30_000, stepMs: MIN, values: Float64Array.from([2]) }), /grids differ/);
    assert.throws(() => mergeRecent(s(0, [1]), { name: 'r', startMs: T0, stepMs: 5 * MIN, values: Float64Array.from([2]) }), /grids differ/);
  });
});
