import assert from 'node:assert/strict';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { PassThroughClient } from 'google-auth-library';
import { startMonitoringFake, type MonitoringFake } from '../fakes/monitoring-fake';

const T0 = Date.UTC(2024, 4, 6, 12, 0, 0) / 1000;

/** One forecast series for `group` with a single point at `seconds`. */
function series(group: string, seconds: number, value = 1.5, points = 1) {
  return {
    metric: { type: 'custom.googleapis.com/shadow/forecast_rps', labels: { instance_group: group } },
    resource: { type: 'global', labels: { project_id: 'test' } },
    points: Array.from({ length: points }, (_, i) => ({ interval: { endTime: { seconds: seconds - i * 60 } }, value: { doubleValue: value } })),
  };
}

describe('fakes/monitoring-fake: createTimeSeries limits, through the real client', () => {
  let fake: MonitoringFake;
  let client: MetricServiceClient;
  beforeEach(async () => {
    fake = await startMonitoringFake();
    client = new MetricServiceClient({ apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', fallback: true, authClient: new PassThroughClient(), projectId: 'test' });
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  const rejects400 = (p: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(p, (e: unknown) => {
      const err = e as { code?: number; message?: string };
      assert.equal(err.code, 400);
      assert.match(err.message ?? '', /INVALID_ARGUMENT/);
      assert.match(err.message ?? '', pattern);
      return true;
    });

  it('GIVEN valid series WHEN created THEN every point is recorded with its labels and time', async () => {
    await client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0, 10), series('b', T0, 20)] });
    assert.equal(fake.created.length, 2);
    assert.deepEqual(fake.created[0], {
      project: 'test',
      metric: { type: 'custom.googleapis.com/shadow/forecast_rps', labels: { instance_group: 'a' } },
      resource: { type: 'global', labels: { project_id: 'test' } },
      endTime: '2024-05-06T12:00:00.000Z',
      value: { doubleValue: 10 },
    });
    assert.equal(fake.requests[0]!.path, '/v3/projects/test/timeSeries');
  });

  it('GIVEN 201 series in one request WHEN created THEN 400 and nothing is written', async () => {
    const many = Array.from({ length: 201 }, (_, i) => series(`g${i}`, T0));
    await rejects400(client.createTimeSeries({ name: 'projects/test', timeSeries: many }), /maximum of 200/);
    assert.equal(fake.created.length, 0);
    await client.createTimeSeries({ name: 'projects/test', timeSeries: many.slice(0, 200) });
    assert.equal(fake.created.length, 200);
  });

  it('GIVEN two points in one series WHEN created THEN 400', async () => {
    await rejects400(client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0, 1, 2)] }), /Only one point/);
  });

  it('GIVEN the same series twice in one request WHEN created THEN 400', async () => {
    await rejects400(client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0), series('a', T0 + 60)] }), /Duplicate TimeSeries/);
  });

  it('GIVEN a point not newer than the series last point WHEN created THEN that series is refused, the others written', async () => {
    await client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0)] });
    await rejects400(client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0), series('b', T0)] }), /timeSeries\[0\].*written in order/);
    assert.deepEqual(fake.created.map((c) => c.metric.labels['instance_group']), ['a', 'b']);
  });

  it('GIVEN points 5 s apart WHEN created THEN the second breaks the sampling period; 60 s apart is fine', async () => {
    await client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0)] });
    await rejects400(client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0 + 5)] }), /more frequently/);
    await client.createTimeSeries({ name: 'projects/test', timeSeries: [series('a', T0 + 60)] });
    assert.equal(fake.created.length, 2);
  });
});
