/**
 * A local stand-in for the BigQuery v2 REST API, for tests only. It does not run SQL: the test
 * says what the next query answers, and the fake records what the client sent.
 *
 * What it promises (the calls `@google-cloud/bigquery` 8.x makes for `bq.query()`, seen by
 * logging a real client pointed at `apiEndpoint: 'http://127.0.0.1:PORT'`):
 * - `POST /bigquery/v2/projects/{project}/queries` (jobs.query): records the JSON body and
 *   answers with the configured reply:
 *     - rows: a `bigquery#queryResponse` with `jobReference` (job id, the request's location),
 *       `schema`, `totalRows` and `rows` in the f/v wire format (every cell a string or null);
 *       `pendingPolls: n` answers `jobComplete: false` first and then n-1 more times on polling;
 *       `pageSize: k` splits rows into pages linked by `pageToken`;
 *     - error: the HTTP status with the Google error body
 *       `{"error":{"code","message","status","errors":[{"reason","message","domain"}]}}`.
 * - `GET /bigquery/v2/projects/{project}/queries/{jobId}` (jobs.getQueryResults): what the
 *   client calls when a job is not complete yet or has more pages; answers the next poll/page.
 * - Anything else: 404 with a Google error body (`notFound`).
 * No authentication is checked (tests use `PassThroughClient`).
 */
import http from 'node:http';
import { listenOnLoopback } from './loopback';

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export type BigQueryCell = string | number | boolean | null;

export type BigQueryReply =
  | { fields: { name: string; type: string }[]; rows: BigQueryCell[][]; pendingPolls?: number; pageSize?: number }
  | { error: { status: number; reason: string; message: string } };

export interface BigQueryFake {
  port: number;
  /** `http://127.0.0.1:PORT`, the client's `apiEndpoint`. */
  url: string;
  requests: Recorded[];
  /** The answer to the next jobs.query calls: fixed, or computed from the recorded request. */
  setReply(reply: BigQueryReply | ((request: Recorded) => BigQueryReply)): void;
  close(): Promise<void>;
}

interface Job {
  id: string;
  location: string | undefined;
  pollsLeft: number;
  fields: { name: string; type: string }[];
  pages: BigQueryCell[][][];
  totalRows: number;
}

const HTTP_STATUS_NAME: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

function errorBody(status: number, reason: string, message: string): unknown {
  return { error: { code: status, message, status: HTTP_STATUS_NAME[status] ?? 'UNKNOWN', errors: [{ reason, message, domain: 'global' }] } };
}

function encodeCell(v: BigQueryCell): { v: string | null } {
  return { v: v === null ? null : String(v) };
}

export async function startBigQueryFake(): Promise<BigQueryFake> {
  const requests: Recorded[] = [];
  const jobs = new Map<string, Job>();
  let reply: BigQueryReply | ((request: Recorded) => BigQueryReply) = { fields: [], rows: [] };
  let jobCounter = 0;

  function page(project: string, job: Job, pageIndex: number, kind: string): unknown {
    const jobReference = { projectId: project, jobId: job.id, ...(job.location ? { location: job.location } : {}) };
    if (job.pollsLeft > 0) {
      job.pollsLeft--;
      return { kind, jobReference, jobComplete: false };
    }
    const rows = job.pages[pageIndex] ?? [];
    return {
      kind,
      jobReference,
      jobComplete: true,
      schema: { fields: job.fields.map((f) => ({ ...f, mode: 'NULLABLE' })) },
      totalRows: String(job.totalRows),
      rows: rows.map((r) => ({ f: r.map(encodeCell) })),
      ...(pageIndex + 1 < job.pages.length ? { pageToken: `page-${pageIndex + 1}` } : {}),
    };
  }

  function handle(recorded: Recorded): { status: number; body: unknown } {
    const insert = /^\/bigquery\/v2\/projects\/([^/]+)\/queries$/.exec(recorded.path);
    if (insert && recorded.method === 'POST') {
      const chosen = typeof reply === 'function' ? reply(recorded) : reply;
      if ('error' in chosen) return { status: chosen.error.status, body: errorBody(chosen.error.status, chosen.error.reason, chosen.error.message) };
      const pageSize = chosen.pageSize ?? Math.max(1, chosen.rows.length);
      const pages: BigQueryCell[][][] = [];
      for (let i = 0; i < chosen.rows.length; i += pageSize) pages.push(chosen.rows.slice(i, i + pageSize));
      const job: Job = {
        id: `fake_job_${++jobCounter}`,
        location: (recorded.body as { location?: string } | undefined)?.location,
        pollsLeft: chosen.pendingPolls ?? 0,
        fields: chosen.fields,
        pages: pages.length ? pages : [[]],
        totalRows: chosen.rows.length,
      };
      jobs.set(job.id, job);
      return { status: 200, body: page(decodeURIComponent(insert[1]!), job, 0, 'bigquery#queryResponse') };
    }
    const results = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(recorded.path);
    if (results && recorded.method === 'GET') {
      const job = jobs.get(decodeURIComponent(results[2]!));
      if (!job) return { status: 404, body: errorBody(404, 'notFound', `Not found: Job ${results[2]}`) };
      const token = recorded.query['pageToken'];
      const pageIndex = token ? Number(token.replace('page-', '')) : 0;
      return { status: 200, body: page(decodeURIComponent(results[1]!), job, pageIndex, 'bigquery#getQueryResultsResponse') };
    }
    return { status: 404, body: errorBody(404, 'notFound', `No route ${recorded.method} ${recorded.path}`) };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const recorded: Recorded = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body };
      requests.push(recorded);
      const answer = handle(recorded);
      res.statusCode = answer.status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer.body));
    });
  });
  const { port, url, close } = await listenOnLoopback(server);
  return {
    port,
    url,
    requests,
    setReply(next) {
      reply = next;
    },
    close,
  };
}
