/**
 * A local stand-in for the Cloud Monitoring v3 REST API, for tests only.
 *
 * What it promises (the routes `@google-cloud/monitoring` 5.x calls with `fallback: true`):
 * - `GET /v3/projects/{project}/timeSeries` (timeSeries.list): records the request and answers
 *   with whatever the test set through `setListResponse` (default: `{}` = no series). The body
 *   must be proto-JSON (`{"timeSeries": [...], "nextPageToken": "..."}`), as the real API sends.
 * - `POST /v3/projects/{project}/timeSeries` (timeSeries.create): records the request body and
 *   enforces the documented write limits of the real API:
 *     1. 1..200 TimeSeries per request;
 *     2. exactly one point per TimeSeries, and each series at most once per request;
 *     3. metric.type and resource.type present, point has interval.endTime and a value;
 *     4. a point must be newer than the last point written to the same series (same metric type,
 *        metric labels, resource type, resource labels);
 *     5. points of one series at least `minPointIntervalMs` apart (the quotas page: "one point
 *        each 10 seconds"; default 10 000 ms, 0 turns it off).
 *   Limits 1-3 reject the whole request. Limits 4-5 are per series, as in the real API: the
 *   valid series are written, and the answer is still 400 naming the rejected indexes.
 *   Violations answer HTTP 400 `{"error":{"code":400,"status":"INVALID_ARGUMENT","message":...}}`.
 *   Accepted points are appended to `created`; success answers `{}`.
 * - Anything else: 404 NOT_FOUND in the same error shape.
 * No authentication is checked (tests use `PassThroughClient`).
 */
import http from 'node:http';
import { listenOnLoopback } from './loopback';

export interface Recorded {
  method: string;
  /** Path without the query string, e.g. `/v3/projects/test/timeSeries`. */
  path: string;
  /** Query parameters; repeated keys (groupByFields) keep every value. */
  query: Record<string, string[]>;
  /** Parsed JSON body, or undefined for GET. */
  body: unknown;
}

/** One point accepted by createTimeSeries. */
export interface CreatedPoint {
  project: string;
  metric: { type: string; labels: Record<string, string> };
  resource: { type: string; labels: Record<string, string> };
  endTime: string;
  value: Record<string, unknown>;
}

export interface FakeReply {
  status?: number;
  body: unknown;
}

export interface MonitoringFake {
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  requests: Recorded[];
  created: CreatedPoint[];
  /** The answer to the next timeSeries.list calls: a fixed reply or one computed per request. */
  setListResponse(reply: FakeReply | ((request: Recorded) => FakeReply)): void;
  close(): Promise<void>;
}

const MAX_SERIES_PER_REQUEST = 200;

interface WireSeries {
  metric?: { type?: string; labels?: Record<string, string> };
  resource?: { type?: string; labels?: Record<string, string> };
  points?: { interval?: { endTime?: string; startTime?: string }; value?: Record<string, unknown> }[];
}

function invalidArgument(message: string): FakeReply {
  return { status: 400, body: { error: { code: 400, message, status: 'INVALID_ARGUMENT' } } };
}

function seriesKey(s: WireSeries): string {
  const sorted = (o: Record<string, string> | undefined) => JSON.stringify(Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return `${s.metric?.type}|${sorted(s.metric?.labels)}|${s.resource?.type}|${sorted(s.resource?.labels)}`;
}

export async function startMonitoringFake(options: { minPointIntervalMs?: number } = {}): Promise<MonitoringFake> {
  const minPointIntervalMs = options.minPointIntervalMs ?? 10_000;
  const requests: Recorded[] = [];
  const created: CreatedPoint[] = [];
  const lastPointMs = new Map<string, number>();
  let listReply: FakeReply | ((request: Recorded) => FakeReply) = { body: {} };

  function create(project: string, body: unknown): FakeReply {
    const timeSeries = (body as { timeSeries?: WireSeries[] } | undefined)?.timeSeries;
    if (!Array.isArray(timeSeries) || timeSeries.length === 0) return invalidArgument('Field timeSeries had an invalid value: at least one TimeSeries is required.');
    if (timeSeries.length > MAX_SERIES_PER_REQUEST) {
      return invalidArgument(`Field timeSeries had an invalid value: A maximum of ${MAX_SERIES_PER_REQUEST} TimeSeries can be written in a single request (got ${timeSeries.length}).`);
    }
    const seen = new Set<string>();
    for (const [i, s] of timeSeries.entries()) {
      if (!s.metric?.type) return invalidArgument(`Field timeSeries[${i}].metric.type is required.`);
      if (!s.resource?.type) return invalidArgument(`Field timeSeries[${i}].resource.type is required.`);
      if (!Array.isArray(s.points) || s.points.length !== 1) {
        return invalidArgument(`Field timeSeries[${i}].points had an invalid value: Only one point can be written per TimeSeries per request.`);
      }
      const point = s.points[0]!;
      if (!point.interval?.endTime || Number.isNaN(Date.parse(point.interval.endTime))) return invalidArgument(`Field timeSeries[${i}].points[0].interval.endTime is required (RFC 3339).`);
      if (!point.value || Object.keys(point.value).length === 0) return invalidArgument(`Field timeSeries[${i}].points[0].value is required.`);
      const key = seriesKey(s);
      if (seen.has(key)) return invalidArgument(`Field timeSeries[${i}] had an invalid value: Duplicate TimeSeries encountered. Only one point can be written per TimeSeries per request.`);
      seen.add(key);
    }
    const failures: string[] = [];
    for (const [i, s] of timeSeries.entries()) {
      const point = s.points![0]!;
      const endMs = Date.parse(point.interval!.endTime!);
      const key = seriesKey(s);
      const last = lastPointMs.get(key);
      if (last !== undefined && endMs <= last) {
        failures.push(`timeSeries[${i}]: Points must be written in order. One or more of the points specified had an older start time than the most recent point.`);
        continue;
      }
      if (last !== undefined && endMs - last < minPointIntervalMs) {
        failures.push(`timeSeries[${i}]: One or more points were written more frequently than the maximum sampling period configured for the metric.`);
        continue;
      }
      lastPointMs.set(key, endMs);
      created.push({
        project,
        metric: { type: s.metric!.type!, labels: { ...(s.metric!.labels ?? {}) } },
        resource: { type: s.resource!.type!, labels: { ...(s.resource!.labels ?? {}) } },
        endTime: point.interval!.endTime!,
        value: point.value!,
      });
    }
    if (failures.length) return invalidArgument(`One or more TimeSeries could not be written: ${failures.join('; ')}`);
    return { body: {} };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const query: Record<string, string[]> = {};
      for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      let reply: FakeReply;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const recorded: Recorded = { method: req.method ?? '', path: url.pathname, query, body };
      requests.push(recorded);
      const route = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(url.pathname);
      if (route && req.method === 'GET') reply = typeof listReply === 'function' ? listReply(recorded) : listReply;
      else if (route && req.method === 'POST') reply = create(decodeURIComponent(route[1]!), body);
      else reply = { status: 404, body: { error: { code: 404, message: `No route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } } };
      res.statusCode = reply.status ?? 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(reply.body));
    });
  });
  const { port, url, close } = await listenOnLoopback(server);
  return {
    port,
    url,
    requests,
    created,
    setListResponse(reply) {
      listReply = reply;
    },
    close,
  };
}
