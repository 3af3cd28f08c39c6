import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { PassThroughClient } from 'google-auth-library';
import { MonitoringForecastPublisher, type ForecastToPublish } from '../../automation/adapters/monitoring-publisher';
import { ShadowscaleError } from '../../automation/errors';
import type { EventSink } from '../../automation/ports';
import type { QuantileForecast } from '../../forecaster/types';
import { startMonitoringFake, type MonitoringFake } from '../fakes/monitoring-fake';

const P50 = 'custom.googleapis.com/shadowscale/forecast_p50';
const P95 = 'custom.googleapis.com/shadowscale/forecast_p95';
const T0 = new Date('2025-05-01T10:00:00.000Z');

type AuthClientOption = NonNullable<ConstructorParameters<typeof MetricServiceClient>[0]>['authClient'];

function clientFor(port: number): MetricServiceClient {
  // google-gax bundles its own google-auth-library copy; the classes match at run time but not
  // as TypeScript types, hence the cast.
  const authClient = new PassThroughClient() as unknown as AuthClientOption;
  return new MetricServiceClient({ apiEndpoint: '127.0.0.1', port, protocol: 'http', fallback: true, authClient, projectId: 'test' });
}

function forecast(horizon: number, stepMs: number, base: number): QuantileForecast {
  const median = Array.from({ length: horizon }, (_, h) => base + h);
  return {
    model: 'mstl',
    stepMs,
    origin: 1000,
    originTime: T0.toISOString(),
    horizon,
    quantiles: { '0.5': median, '0.9': median.map((m) => m * 1.1), '0.95': median.map((m) => m * 1.2) },
  };
}

function recordingSink(): EventSink & { events: Parameters<EventSink['emit']>[0][] } {
  const events: Parameters<EventSink['emit']>[0][] = [];
  return { events, emit: (e) => events.push(e) };
}

interface WireSeries {
  metric: { type: string; labels: Record<string, string> };
  resource: { type: string; labels: Record<string, string> };
  points: { interval: { endTime: string }; value: { doubleValue: number } }[];
}

function createBodies(fake: MonitoringFake): WireSeries[][] {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === '/v3/projects/test/timeSeries').map((r) => (r.body as { timeSeries: WireSeries[] }).timeSeries);
}

describe('MonitoringForecastPublisher against the Cloud Monitoring fake', function () {
  let fake: MonitoringFake;
  let client: MetricServiceClient;

  beforeEach(async function () {
    fake = await startMonitoringFake();
    client = clientFor(fake.port);
  });

  afterEach(async function () {
    await client.close();
    await fake.close();
  });

  it('GIVEN one workload with three 5-minute steps WHEN published THEN six gauge series go in one request with workload and horizon labels on the global resource', async function () {
    const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false });
    const result = await publisher.publish([{ workload: 'web', forecast: forecast(3, 300_000, 100), at: T0 }]);

    assert.deepEqual(result, { series: 6, requests: 1, skipped: 0 });
    const bodies = createBodies(fake);
    assert.equal(bodies.length, 1);
    const byKey = new Map(bodies[0]!.map((s) => [`${s.metric.type}|${s.metric.labels['horizon']}`, s]));
    assert.equal(byKey.size, 6);
    const p95At10 = byKey.get(`${P95}|10`)!;
    assert.deepEqual(p95At10.metric, { type: P95, labels: { workload: 'web', horizon: '10' } });
    assert.deepEqual(p95At10.resource, { type: 'global', labels: { project_id: 'test' } });
    assert.equal(p95At10.points.length, 1);
    assert.equal(Date.parse(p95At10.points[0]!.interval.endTime), T0.getTime());
    assert.ok(Math.abs(p95At10.points[0]!.value.doubleValue - 102 * 1.2) < 1e-9);
    assert.equal(byKey.get(`${P50}|0`)!.points[0]!.value.doubleValue, 100);
    assert.equal(fake.created.length, 6, 'the fake accepted every series');
  });

  it('GIVEN 300 series WHEN published THEN they go in two requests of 200 and 100, all accepted', async function () {
    const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false });
    const forecasts: ForecastToPublish[] = Array.from({ length: 5 }, (_, w) => ({ workload: `w${w}`, forecast: forecast(30, 60_000, 10 * w), at: T0 }));
    const result = await publisher.publish(forecasts);

    assert.deepEqual(result, { series: 300, requests: 2, skipped: 0 });
    assert.deepEqual(createBodies(fake).map((b) => b.length), [200, 100]);
    assert.equal(fake.created.length, 300);
  });

  it('GIVEN a series already written at T WHEN published again at T, at T+5 s and then at T+60 s THEN the first two are skipped with a warning and the last is written', async function () {
    const events = recordingSink();
    const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false, events });
    const f = forecast(2, 60_000, 50);
    await publisher.publish([{ workload: 'web', forecast: f, at: T0 }]);

    const same = await publisher.publish([{ workload: 'web', forecast: f, at: T0 }]);
    const soon = await publisher.publish([{ workload: 'web', forecast: f, at: new Date(T0.getTime() + 5_000) }]);
    const later = await publisher.publish([{ workload: 'web', forecast: f, at: new Date(T0.getTime() + 60_000) }]);

    assert.deepEqual(same, { series: 0, requests: 0, skipped: 4 });
    assert.deepEqual(soon, { series: 0, requests: 0, skipped: 4 });
    assert.deepEqual(later, { series: 4, requests: 1, skipped: 0 });
    assert.equal(createBodies(fake).length, 2, 'skipped points were never sent');
    assert.equal(fake.created.length, 8);
    assert.deepEqual(events.events.map((e) => [e.code, e.severity]), [
      ['publish.skip-not-newer', 'WARNING'],
      ['publish.skip-too-soon', 'WARNING'],
    ]);
  });

  it('GIVEN the same workload twice in one call WHEN published THEN each series is sent once (one point per series per request)', async function () {
    const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false });
    const result = await publisher.publish([
      { workload: 'web', forecast: forecast(1, 60_000, 1), at: T0 },
      { workload: 'web', forecast: forecast(1, 60_000, 2), at: T0 },
    ]);
    assert.deepEqual(result, { series: 2, requests: 1, skipped: 2 });
    assert.equal(fake.created.length, 2);
    assert.deepEqual(fake.created.map((c) => c.value), [{ doubleValue: 1 }, { doubleValue: 1.2 }]);
  });

  it('GIVEN a horizon filter and a NaN value WHEN published THEN only the chosen finite horizons are written', async function () {
    const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false, horizonsMinutes: [0, 15, 30] });
    const f = forecast(7, 300_000, 10);
    f.quantiles['0.5']![6] = Number.NaN;
    const result = await publisher.publish([{ workload: 'api', forecast: f, at: T0 }]);
    assert.deepEqual(result, { series: 5, requests: 1, skipped: 1 });
    assert.deepEqual(fake.created.map((c) => `${c.metric.type.endsWith('p50') ? 'p50' : 'p95'}@${c.metric.labels['horizon']}`).sort(), ['p50@0', 'p50@15', 'p95@0', 'p95@15', 'p95@30']);
  });

  it('GIVEN a forecast without the 0.95 quantile WHEN published THEN an input error names the field and nothing is sent', async function () {
    const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false });
    const f = forecast(2, 60_000, 1);
    delete f.quantiles['0.95'];
    await assert.rejects(publisher.publish([{ workload: 'web', forecast: forecast(2, 60_000, 1), at: T0 }, { workload: 'api', forecast: f, at: T0 }]), (err: unknown) => {
      assert.ok(err instanceof ShadowscaleError);
      assert.equal(err.kind, 'input');
      assert.match(err.message, /forecasts\[1\]\.forecast\.quantiles\["0\.95"\]: workload api: expected the 0\.95 quantile/);
      return true;
    });
    assert.equal(fake.requests.length, 0);
  });

  it('GIVEN descriptor creation on and a server without that route (this fake) WHEN published THEN the descriptor request is well formed and the failure names the metric', async function () {
    const publisher = new MonitoringForecastPublisher({ client, projectId: 'test' });
    await assert.rejects(publisher.publish([{ workload: 'web', forecast: forecast(1, 60_000, 1), at: T0 }]), /creating metric descriptor custom\.googleapis\.com\/shadowscale\/forecast_p50 in project test failed/);
    const descriptor = fake.requests.find((r) => r.path === '/v3/projects/test/metricDescriptors');
    assert.ok(descriptor, 'no createMetricDescriptor request');
    assert.equal(descriptor.method, 'POST');
    const body = descriptor.body as { type: string; metricKind: unknown; valueType: unknown; labels: { key: string }[] };
    assert.equal(body.type, P50);
    assert.equal(body.metricKind, 1, 'GAUGE');
    assert.equal(body.valueType, 3, 'DOUBLE');
    assert.deepEqual(body.labels.map((l) => l.key), ['workload', 'horizon']);
    assert.equal(fake.created.length, 0, 'no points before the descriptors exist');
  });
});

/**
 * The shared fake has no metricDescriptors route and cannot fail on demand, so this minimal
 * server covers those two behaviours: it accepts descriptors and answers 503 to the first
 * timeSeries.create when asked.
 */
async function startDescriptorServer(options: { failFirstWrites: number }) {
  const seen: { method: string; path: string; body: unknown }[] = [];
  let failuresLeft = options.failFirstWrites;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method ?? '', path, body });
      res.setHeader('content-type', 'application/json');
      if (path.endsWith('/metricDescriptors')) {
        res.end(JSON.stringify((body as { type?: string } | undefined) ?? {}));
      } else if (path.endsWith('/timeSeries') && failuresLeft > 0) {
        failuresLeft--;
        res.statusCode = 503;
        res.end(JSON.stringify({ error: { code: 503, status: 'UNAVAILABLE', message: 'try again' } }));
      } else {
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('MonitoringForecastPublisher descriptors and retries (minimal local server)', function () {
  it('GIVEN two publishes WHEN descriptors are on THEN both GAUGE DOUBLE descriptors with workload and horizon labels are created once, before the first write', async function () {
    const server = await startDescriptorServer({ failFirstWrites: 0 });
    const client = clientFor(server.port);
    try {
      const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', unit: '1/s' });
      await publisher.publish([{ workload: 'web', forecast: forecast(1, 60_000, 1), at: T0 }]);
      await publisher.publish([{ workload: 'web', forecast: forecast(1, 60_000, 1), at: new Date(T0.getTime() + 60_000) }]);
      assert.deepEqual(server.seen.map((s) => s.path), ['/v3/projects/test/metricDescriptors', '/v3/projects/test/metricDescriptors', '/v3/projects/test/timeSeries', '/v3/projects/test/timeSeries']);
      const bodies = server.seen.slice(0, 2).map((s) => s.body as { type: string; metricKind: unknown; valueType: unknown; unit: string; labels: { key: string }[] });
      assert.deepEqual(bodies.map((b) => b.type), [P50, P95]);
      for (const b of bodies) {
        // REST fallback sends enums as numbers: GAUGE = 1, DOUBLE = 3 (google.api.MetricDescriptor).
        assert.equal(b.metricKind, 1);
        assert.equal(b.valueType, 3);
        assert.equal(b.unit, '1/s');
        assert.deepEqual(b.labels.map((l) => l.key), ['workload', 'horizon']);
      }
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('GIVEN a 503 on the first write WHEN published THEN the request is retried, a warning says so, and the points are written once', async function () {
    const server = await startDescriptorServer({ failFirstWrites: 1 });
    const client = clientFor(server.port);
    const events = recordingSink();
    try {
      const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false, events, retryMinTimeoutMs: 5 });
      const result = await publisher.publish([{ workload: 'web', forecast: forecast(1, 60_000, 1), at: T0 }]);
      assert.deepEqual(result, { series: 2, requests: 1, skipped: 0 });
      assert.equal(server.seen.filter((s) => s.path.endsWith('/timeSeries')).length, 2);
      assert.deepEqual(events.events.map((e) => e.code), ['publish.retry']);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('GIVEN writes that keep failing with 503 WHEN published THEN a transient ShadowscaleError says how many series were written', async function () {
    const server = await startDescriptorServer({ failFirstWrites: 100 });
    const client = clientFor(server.port);
    try {
      const publisher = new MonitoringForecastPublisher({ client, projectId: 'test', createDescriptors: false, retries: 1, retryMinTimeoutMs: 5 });
      await assert.rejects(publisher.publish([{ workload: 'web', forecast: forecast(1, 60_000, 1), at: T0 }]), (err: unknown) => {
        assert.ok(err instanceof ShadowscaleError);
        assert.equal(err.kind, 'transient');
        assert.match(err.message, /0 series written, 1 of 1 requests failed/);
        return true;
      });
      assert.equal(server.seen.length, 2, 'one try and one retry');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
