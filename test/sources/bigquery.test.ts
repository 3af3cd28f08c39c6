import assert from 'node:assert/strict';
import { PassThroughClient } from 'google-auth-library';
import { ShadowscaleError, isRetryable } from '../../automation/errors';
import { BigQueryHistorySource, DEFAULT_MAXIMUM_BYTES_BILLED, type BigQueryHistoryOptions } from '../../forecaster/sources/bigquery';
import { startBigQueryFake, type BigQueryFake, type BigQueryReply } from '../fakes/bigquery-fake';

const MIN = 60_000;
const START = Date.UTC(2024, 4, 6, 12, 0, 0);
const FIELDS = [
  { name: 'bucket_ms', type: 'INTEGER' },
  { name: 'value', type: 'FLOAT' },
  { name: 'series', type: 'INTEGER' },
];

interface SentQuery {
  query: string;
  location?: string;
  maximumBytesBilled?: string;
  useLegacySql?: boolean;
  parameterMode?: string;
  queryParameters: { name: string; parameterType: { type: string }; parameterValue: { value: unknown } }[];
}

describe('sources/bigquery: BigQueryHistorySource against the local BigQuery fake', () => {
  let fake: BigQueryFake;
  beforeEach(async () => {
    fake = await startBigQueryFake();
  });
  afterEach(() => fake.close());

  function source(extra: Partial<BigQueryHistoryOptions> = {}): BigQueryHistorySource {
    return new BigQueryHistorySource({
      projectId: 'demo-project',
      dataset: 'metric_export',
      table: 'sd_metrics_export_fin',
      location: 'europe-west1',
      metricType: 'compute.googleapis.com/instance/cpu/utilization',
      instanceGroup: 'web-primary',
      stepMs: MIN,
      apiEndpoint: fake.url,
      authClient: new PassThroughClient(),
      ...extra,
    });
  }

  function sentQuery(): SentQuery {
    const posts = fake.requests.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.path, '/bigquery/v2/projects/demo-project/queries');
    return posts[0]!.body as SentQuery;
  }

  const rowsReply = (rows: [number, number | null][], more: Partial<Extract<BigQueryReply, { rows: unknown }>> = {}): BigQueryReply => ({
    fields: FIELDS,
    rows: rows.map(([t, v]) => [t, v, 3]),
    ...more,
  });

  it('GIVEN a window WHEN read THEN the query is parameterized, located, guarded and standard SQL', async () => {
    fake.setReply(rowsReply([[START, 1.5]]));
    await source().read({ start: new Date(START), end: new Date(START + 5 * MIN) });
    const sent = sentQuery();
    assert.equal(sent.location, 'europe-west1');
    assert.equal(sent.maximumBytesBilled, DEFAULT_MAXIMUM_BYTES_BILLED);
    assert.equal(sent.maximumBytesBilled, '10737418240');
    assert.equal(sent.useLegacySql, false);
    assert.equal(sent.parameterMode, 'named');
    const params = Object.fromEntries(sent.queryParameters.map((p) => [p.name, { type: p.parameterType.type, value: p.parameterValue.value }]));
    assert.deepEqual(params, {
      metric_type: { type: 'STRING', value: 'compute.googleapis.com/instance/cpu/utilization' },
      start: { type: 'TIMESTAMP', value: '2024-05-06T12:00:00.000Z' },
      end: { type: 'TIMESTAMP', value: '2024-05-06T12:05:00.000Z' },
      group: { type: 'STRING', value: 'web-primary' },
      step_sec: { type: 'INT64', value: 60 },
    });
  });

  it('GIVEN user values WHEN the SQL is built THEN none of them is inside the SQL text, and partitions are pruned on the same window', async () => {
    fake.setReply(rowsReply([[START, 1]]));
    const nasty = "web' OR 1=1 --";
    await source({ instanceGroup: nasty, metricType: 'custom.googleapis.com/evil"metric' }).read({ start: new Date(START), end: new Date(START + MIN) });
    const { query } = sentQuery();
    for (const value of [nasty, 'evil', 'web', '2024-05-06', '12:00', '60']) assert.ok(!query.includes(value), `SQL contains ${value}`);
    for (const param of ['@metric_type', '@start', '@end', '@group', '@step_sec']) assert.ok(query.includes(param), `SQL lacks ${param}`);
    // Each point in the step its period ends in (a GAUGE point has no start of its own), as the
    // Monitoring top-up labels it.
    assert.match(query, /DIV\(UNIX_SECONDS\(TIMESTAMP_SUB\(point\.interval\.end_time, INTERVAL 1 MICROSECOND\)\), @step_sec\)/);
    assert.doesNotMatch(query, /start_time/);
    assert.match(query, /_PARTITIONTIME IS NULL OR \(_PARTITIONTIME >= TIMESTAMP_TRUNC\(@start, DAY\)/, 'rows still in the streaming buffer (no partition yet) are read');
    assert.match(query, /_PARTITIONTIME < TIMESTAMP_ADD\(@end/);
    assert.match(query, /FROM `demo-project\.metric_export\.sd_metrics_export_fin`/);
    assert.match(query, /metric_metadata\.system_labels/);
  });

  it('GIVEN a backend service WHEN read THEN it filters on the load-balancer resource label instead', async () => {
    fake.setReply(rowsReply([[START, 1]]));
    await source({ instanceGroup: undefined, backendService: 'web-bs', metricType: 'loadbalancing.googleapis.com/https/request_count' }).read({ start: new Date(START), end: new Date(START + MIN) });
    const sent = sentQuery();
    assert.match(sent.query, /UNNEST\(resource\.labels\)[^)]*backend_target_name/);
    assert.ok(!sent.query.includes('metric_metadata'));
    assert.equal(sent.queryParameters.find((p) => p.name === 'group')!.parameterValue.value, 'web-bs');
  });

  it('GIVEN rows with a missing bucket and a NULL value WHEN read THEN the grid covers the whole window with NaN gaps', async () => {
    fake.setReply(rowsReply([
      [START + MIN, 2],
      [START + 2 * MIN, null],
      [START + 4 * MIN, 5],
    ]));
    const s = await source().read({ start: new Date(START), end: new Date(START + 6 * MIN) });
    assert.equal(s.startMs, START);
    assert.equal(s.stepMs, MIN);
    assert.deepEqual(Array.from(s.values), [NaN, 2, NaN, NaN, 5, NaN]);
  });

  it('GIVEN a job that is not complete at first and answers in pages WHEN read THEN the client polls and every page lands on the grid', async () => {
    fake.setReply(rowsReply([[START, 1], [START + MIN, 2], [START + 2 * MIN, 3]], { pendingPolls: 2, pageSize: 2 }));
    const s = await source().read({ start: new Date(START), end: new Date(START + 3 * MIN) });
    assert.deepEqual(Array.from(s.values), [1, 2, 3]);
    const gets = fake.requests.filter((r) => r.method === 'GET');
    assert.ok(gets.length >= 2, `expected polls and a page fetch, saw ${gets.length}`);
    assert.ok(gets.every((g) => g.query['location'] === 'europe-west1'));
  });

  it('GIVEN a step in the query WHEN read THEN it overrides the configured step and the window snaps to it', async () => {
    fake.setReply(rowsReply([[START, 4]]));
    const s = await source().read({ start: new Date(START + 7 * MIN), end: new Date(START + 20 * MIN), stepMs: 10 * MIN });
    const sent = sentQuery();
    assert.equal(sent.queryParameters.find((p) => p.name === 'step_sec')!.parameterValue.value, 600);
    assert.equal(s.startMs, START);
    assert.equal(s.values.length, 2);
    assert.deepEqual(Array.from(s.values), [4, NaN]);
  });

  it('GIVEN a custom bytes guard WHEN read THEN it is sent as given', async () => {
    fake.setReply(rowsReply([[START, 1]]));
    await source({ maximumBytesBilled: '1048576' }).read({ start: new Date(START), end: new Date(START + MIN) });
    assert.equal(sentQuery().maximumBytesBilled, '1048576');
  });

  it('GIVEN a 400 invalidQuery WHEN read THEN it is an input error carrying the server message', async () => {
    fake.setReply({ error: { status: 400, reason: 'invalidQuery', message: 'Unrecognized name: metric_metadata at [8:35]' } });
    await assert.rejects(source().read({ start: new Date(START), end: new Date(START + MIN) }), (e: unknown) => {
      assert.ok(e instanceof ShadowscaleError);
      assert.equal(e.kind, 'input');
      assert.match(e.message, /Unrecognized name: metric_metadata at \[8:35\]/);
      assert.match(e.message, /invalidQuery/);
      assert.match(e.message, /demo-project\.metric_export\.sd_metrics_export_fin/);
      assert.equal(isRetryable(e), false);
      return true;
    });
  });

  it('GIVEN a 503 backendError WHEN read THEN it is transient (retryable), asked once (no hidden client retries)', async () => {
    fake.setReply({ error: { status: 503, reason: 'backendError', message: 'Backend error. Please try again.' } });
    await assert.rejects(source().read({ start: new Date(START), end: new Date(START + MIN) }), (e: unknown) => {
      assert.ok(e instanceof ShadowscaleError);
      assert.equal(e.kind, 'transient');
      assert.match(e.message, /Backend error\. Please try again\./);
      assert.equal(isRetryable(e), true);
      return true;
    });
    assert.equal(fake.requests.length, 1);
  });

  it('GIVEN a 403 rateLimitExceeded WHEN read THEN the reason makes it transient', async () => {
    fake.setReply({ error: { status: 403, reason: 'rateLimitExceeded', message: 'Exceeded rate limits: too many concurrent queries' } });
    await assert.rejects(source().read({ start: new Date(START), end: new Date(START + MIN) }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'transient');
  });

  it('GIVEN rows whose every value is NULL (a DISTRIBUTION or BOOL metric) WHEN read THEN an input error says so instead of an all-gap series', async () => {
    fake.setReply(rowsReply([[START, null], [START + MIN, null]]));
    await assert.rejects(source().read({ start: new Date(START), end: new Date(START + 2 * MIN) }), (e: unknown) => e instanceof ShadowscaleError && e.code === 'non-numeric-metric' && /expected INT64 or DOUBLE points/.test(e.message) && /cpu\/utilization/.test(e.message));
  });

  it('GIVEN rows of a DELTA metric WHEN read THEN the source reports the kind, for the recent minutes to be aligned alike', async () => {
    fake.setReply({ fields: [...FIELDS, { name: 'metric_kind', type: 'STRING' }], rows: [[START, 2, 3, 'DELTA']] });
    const s = source();
    await s.read({ start: new Date(START), end: new Date(START + MIN) });
    assert.equal(s.lastMetricKind, 'DELTA');
    assert.match(sentQuery().query, /ANY_VALUE\(metric_kind\) AS metric_kind/);
  });

  it('GIVEN no rows WHEN read THEN it is an input error naming the metric and group', async () => {
    fake.setReply(rowsReply([]));
    await assert.rejects(source().read({ start: new Date(START), end: new Date(START + MIN) }), (e: unknown) => e instanceof ShadowscaleError && e.code === 'empty-series' && /web-primary/.test(e.message) && /cpu\/utilization/.test(e.message));
  });

  it('GIVEN bad options WHEN constructed THEN the error names the field', () => {
    assert.throws(() => source({ table: 'x`; DROP TABLE y' }), (e: unknown) => e instanceof ShadowscaleError && /history\.bigquery\.table/.test(e.message));
    assert.throws(() => source({ backendService: 'both' }), (e: unknown) => e instanceof ShadowscaleError && /exactly one/.test(e.message));
    assert.throws(() => source({ maximumBytesBilled: '10 GiB' }), (e: unknown) => e instanceof ShadowscaleError && /maximumBytesBilled/.test(e.message));
  });

  it('GIVEN no end WHEN read THEN it refuses to scan the whole table', async () => {
    await assert.rejects(source().read({}), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'input' && /needs an end time/.test(e.message));
    assert.equal(fake.requests.length, 0);
  });

  it('GIVEN an end but no start WHEN read THEN it reads the configured lookback before the end', async () => {
    fake.setReply(rowsReply([[START, 1]]));
    const s = await source({ lookbackMs: 30 * MIN }).read({ end: new Date(START + 30 * MIN) });
    const start = sentQuery().queryParameters.find((p) => p.name === 'start')!;
    assert.equal(start.parameterValue.value, '2024-05-06T12:00:00.000Z');
    assert.equal(s.values.length, 30);
  });
});
