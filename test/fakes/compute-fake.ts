/**
 * A local Compute REST endpoint for `instanceGroupManagers.listManagedInstances` (zonal and
 * regional), as the real client library calls it: POST
 * /compute/v1/projects/P/(zones|regions)/L/instanceGroupManagers/N/listManagedInstances, paged by
 * `pageToken`. Unknown groups answer 404 like the API; `failNext` answers one request with an
 * error status.
 */
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback';

export interface FakeManagedInstance {
  instance: string;
  instanceStatus: string;
  currentAction?: string;
  instanceHealth?: { detailedHealthState: string; healthCheck?: string }[];
}

export interface ComputeFake {
  url: string;
  port: number;
  /** Group path "projects/P/zones/Z/instanceGroupManagers/N" → its instances. */
  groups: Map<string, FakeManagedInstance[]>;
  /** Request paths (without /compute/v1/ and query) in order. */
  requests: string[];
  pageSize: number;
  failNext(status: number): void;
  close(): Promise<void>;
}

export async function startComputeFake(): Promise<ComputeFake> {
  const groups = new Map<string, FakeManagedInstance[]>();
  const requests: string[] = [];
  const failures: number[] = [];
  const fake: ComputeFake = {
    groups,
    requests,
    pageSize: 500,
    failNext: (status) => { failures.push(status); },
    url: '',
    port: 0,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const m = /^\/compute\/v1\/(projects\/[^/]+\/(?:zones|regions)\/[^/]+\/instanceGroupManagers\/[^/]+)\/listManagedInstances$/.exec(url.pathname);
      res.setHeader('content-type', 'application/json');
      const fail = (code: number, message: string) => {
        res.statusCode = code;
        res.end(JSON.stringify({ error: { code, message, errors: [{ message, reason: code === 404 ? 'notFound' : 'backendError' }] } }));
      };
      if (req.method !== 'POST' || !m) return fail(400, `unexpected ${req.method} ${url.pathname}`);
      requests.push(m[1]!);
      const status = failures.shift();
      if (status) return fail(status, 'injected failure');
      const instances = groups.get(m[1]!);
      if (!instances) return fail(404, `The resource '${m[1]}' was not found`);
      const start = Number(url.searchParams.get('pageToken') ?? '0');
      const page = instances.slice(start, start + fake.pageSize);
      const next = start + fake.pageSize < instances.length ? String(start + fake.pageSize) : undefined;
      res.end(JSON.stringify({ managedInstances: page, ...(next ? { nextPageToken: next } : {}) }));
    });
  });
  const loop = await listenOnLoopback(server);
  fake.url = loop.url;
  fake.port = loop.port;
  fake.close = loop.close;
  return fake;
}
