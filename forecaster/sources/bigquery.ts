/**
 * History from the Cloud Monitoring metric-export table in BigQuery (the schema of
 * GoogleCloudPlatform/stackdriver-metrics-export, bigquery_schemas/bigquery_schema.json: one row
 * per point, `metric.type`, `resource.labels` and `metric_metadata.system_labels` as repeated
 * key/value records, `point.interval.{start_time,end_time}`, `point.value.{int64,double}_value`,
 * ingestion-time DAY partitions).
 *
 * One query returns one value per step for one instance group (by the `instance_group` system
 * label the exporter keeps when it groups by `metadata.system_labels.instance_group`) or one
 * backend service (the `backend_target_name` resource label of load-balancer metrics):
 * - points are bucketed by the step their period ends in (just before end_time) on a grid of
 *   whole steps since the epoch;
 * - within a bucket, each time series is reduced by its kind: GAUGE points are averaged (a
 *   level, e.g. one VM's CPU utilization), DELTA points are summed and divided by the step
 *   (a rate per second, e.g. requests/s);
 * - the bucket's value is the sum over the group's series (total CPU in VM-equivalents,
 *   total requests/s).
 */
import { BigQuery } from '@google-cloud/bigquery';
import type { AuthClient } from 'google-auth-library';
import { inputError, isRetryable, ShadowscaleError } from '../../automation/errors';
import type { HistoryQuery, HistorySource } from '../../automation/ports';
import { toGrid, windowOnGrid, type GridReport, type RawPoint } from '../series';
import type { Series } from '../types';

export interface BigQueryHistoryOptions {
  projectId: string;
  dataset: string;
  table: string;
  /** Dataset location, e.g. "EU" or "us-central1": sent on every query (the client does not). */
  location: string;
  metricType: string;
  /** Exactly one of instanceGroup / backendService. */
  instanceGroup?: string;
  backendService?: string;
  stepMs: number;
  /** How far back a read without `start` goes. Default 28 days: four weekly cycles. */
  lookbackMs?: number;
  /** Bytes-billed guard, int64 as a decimal string. Default 10 GiB. */
  maximumBytesBilled?: string;
  /** Tests: a local fake, e.g. `http://127.0.0.1:PORT`. */
  apiEndpoint?: string;
  authClient?: AuthClient;
}

export const DEFAULT_MAXIMUM_BYTES_BILLED = String(10 * 2 ** 30);
export const DEFAULT_LOOKBACK_MS = 28 * 24 * 3600 * 1000;

// BigQuery naming rules (project ids: lowercase, digits, hyphens, optional "domain:" prefix;
// dataset: letters, digits, underscores; table: also hyphens and spaces are allowed by BigQuery,
// but we accept the safe subset). They are the only user values that reach the SQL text,
// because table names cannot be query parameters.
const PROJECT_ID = /^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,1023}$/;

/** How the group is recognised in a row; fixed SQL chosen by option, the name is `@group`. */
const GROUP_FILTER = {
  instanceGroup: `EXISTS (SELECT 1 FROM UNNEST(metric_metadata.system_labels) AS l WHERE l.key = 'instance_group' AND l.value = @group)`,
  backendService: `EXISTS (SELECT 1 FROM UNNEST(resource.labels) AS l WHERE l.key = 'backend_target_name' AND l.value = @group)`,
} as const;

/**
 * The SQL for one group. Parameters only: @metric_type, @start, @end, @group, @step_sec.
 * `_PARTITIONTIME` prunes the ingestion-time partitions: a point is written on or after the day
 * it happened, and the exporter runs well within a day of it, hence one day of slack at the end.
 * Rows still in the streaming buffer (the exporter streams with insertAll) have no partition
 * yet (NULL): without them the newest exported minutes were left out.
 */
export function buildHistorySql(tableRef: string, groupBy: keyof typeof GROUP_FILTER): string {
  // A point belongs to the step its period ends in, just before end_time: a GAUGE point has no
  // start (or one equal to its end), and bucketed on end_time it landed a step later than the
  // Monitoring top-up labels the same period whenever its end fell on a step boundary.
  const at = 'TIMESTAMP_SUB(point.interval.end_time, INTERVAL 1 MICROSECOND)';
  return `
WITH points AS (
  SELECT
    DIV(UNIX_SECONDS(${at}), @step_sec) * @step_sec AS bucket_sec,
    TO_JSON_STRING(resource.labels) || TO_JSON_STRING(metric.labels) AS series_key,
    metric_kind,
    COALESCE(point.value.double_value, CAST(point.value.int64_value AS FLOAT64)) AS v
  FROM ${tableRef}
  WHERE (_PARTITIONTIME IS NULL OR (_PARTITIONTIME >= TIMESTAMP_TRUNC(@start, DAY) AND _PARTITIONTIME < TIMESTAMP_ADD(@end, INTERVAL 1 DAY)))
    AND ${at} >= @start
    AND ${at} < @end
    AND metric.type = @metric_type
    AND ${GROUP_FILTER[groupBy]}
),
per_series AS (
  SELECT bucket_sec, series_key, metric_kind, IF(metric_kind = 'GAUGE', AVG(v), SUM(v) / @step_sec) AS v
  FROM points
  GROUP BY bucket_sec, series_key, metric_kind
)
SELECT bucket_sec * 1000 AS bucket_ms, SUM(v) AS value, COUNT(*) AS series, ANY_VALUE(metric_kind) AS metric_kind
FROM per_series
GROUP BY bucket_ms
ORDER BY bucket_ms`.trim();
}

function serverMessage(err: unknown): string {
  const e = err as { errors?: { message?: string; reason?: string }[]; message?: string };
  const messages = [...new Set((e.errors ?? []).map((x) => x.message).filter((m): m is string => !!m))];
  return messages.length ? messages.join('; ') : (e.message ?? String(err));
}

function reasonOf(err: unknown): string | undefined {
  return (err as { errors?: { reason?: string }[] }).errors?.[0]?.reason;
}

/** A BigQuery error becomes transient (retry) or input (fix the query, table or permissions). */
export function classifyBigQueryError(err: unknown, where: string): ShadowscaleError {
  const status = (err as { code?: unknown }).code;
  const reason = reasonOf(err);
  const detail = `${where}: BigQuery ${typeof status === 'number' ? `HTTP ${status}` : 'error'}${reason ? ` (${reason})` : ''}: ${serverMessage(err)}`;
  const kind = isRetryable(err) ? 'transient' : 'input';
  return new ShadowscaleError(kind, kind === 'transient' ? 'bigquery-unavailable' : 'bigquery-rejected', detail, { status, reason }, { cause: err });
}

export class BigQueryHistorySource implements HistorySource {
  private readonly client: BigQuery;
  private readonly tableRef: string;
  private readonly groupBy: keyof typeof GROUP_FILTER;
  private readonly group: string;
  /** What the last read did to the rows (for logs). */
  lastReport?: GridReport;
  /** The metric kind the exported rows carry (GAUGE, DELTA, ...): how the recent minutes from
   * the Monitoring API must be aligned to continue them. */
  lastMetricKind?: string;

  constructor(private readonly options: BigQueryHistoryOptions) {
    if (!PROJECT_ID.test(options.projectId)) throw inputError('bad-bigquery-project', { field: 'history.bigquery.project' }, `expected a Google Cloud project id, got "${options.projectId}"`);
    if (!DATASET_ID.test(options.dataset)) throw inputError('bad-bigquery-dataset', { field: 'history.bigquery.dataset' }, `expected letters, digits and underscores, got "${options.dataset}"`);
    if (!TABLE_ID.test(options.table)) throw inputError('bad-bigquery-table', { field: 'history.bigquery.table' }, `expected letters, digits, underscores and hyphens, got "${options.table}"`);
    if (!options.location) throw inputError('bad-bigquery-location', { field: 'history.bigquery.location' }, 'expected the dataset location, e.g. "EU" or "us-central1"');
    if ((options.instanceGroup === undefined) === (options.backendService === undefined)) {
      throw inputError('bad-bigquery-group', { field: 'history.bigquery' }, 'expected exactly one of instanceGroup and backendService');
    }
    if (!/^\d+$/.test(options.maximumBytesBilled ?? DEFAULT_MAXIMUM_BYTES_BILLED)) {
      throw inputError('bad-bigquery-bytes', { field: 'history.bigquery.maximumBytesBilled' }, `expected a whole number of bytes as a string, got "${options.maximumBytesBilled}"`);
    }
    this.groupBy = options.instanceGroup !== undefined ? 'instanceGroup' : 'backendService';
    this.group = (options.instanceGroup ?? options.backendService)!;
    this.tableRef = `\`${options.projectId}.${options.dataset}.${options.table}\``;
    this.client = new BigQuery({
      projectId: options.projectId,
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
      ...(options.authClient ? { authClient: options.authClient } : {}),
      // Retries belong to the caller's policy (isRetryable + p-retry); the client's own would
      // multiply with it and hide how long a tick really waited.
      autoRetry: false,
    });
  }

  async read(query: HistoryQuery): Promise<Series> {
    const where = `${this.tableRef.replace(/`/g, '')} (${this.options.metricType}, ${this.groupBy} ${this.group})`;
    if (!query.end) throw inputError('bigquery-window', { field: 'end' }, 'BigQuery history needs an end time (it never scans the whole table)');
    const start = query.start ?? new Date(query.end.getTime() - (this.options.lookbackMs ?? DEFAULT_LOOKBACK_MS));
    const stepMs = query.stepMs ?? this.options.stepMs;
    if (!(stepMs >= 1000 && stepMs % 1000 === 0)) throw inputError('bad-step', { field: '--step' }, `expected whole seconds for a BigQuery step, got ${stepMs} ms`);
    const stepSec = stepMs / 1000;
    // Whole buckets only: the window is widened to the step grid the SQL buckets on.
    const startMs = Math.floor(start.getTime() / stepMs) * stepMs;
    const endMs = Math.ceil(query.end.getTime() / stepMs) * stepMs;
    if (endMs <= startMs) throw inputError('bigquery-window', { field: 'start/end' }, `expected start before end, got ${start.toISOString()} .. ${query.end.toISOString()}`);
    if (query.signal?.aborted) throw new ShadowscaleError('cancelled', 'cancelled', `${where}: read cancelled`);

    let rows: { bucket_ms: number | string; value: number | null; metric_kind?: string | null }[];
    try {
      [rows] = await this.client.query({
        query: buildHistorySql(this.tableRef, this.groupBy),
        params: { metric_type: this.options.metricType, start: new Date(startMs), end: new Date(endMs), group: this.group, step_sec: stepSec },
        types: { metric_type: 'STRING', start: 'TIMESTAMP', end: 'TIMESTAMP', group: 'STRING', step_sec: 'INT64' },
        location: this.options.location,
        maximumBytesBilled: this.options.maximumBytesBilled ?? DEFAULT_MAXIMUM_BYTES_BILLED,
        useLegacySql: false,
      });
    } catch (err) {
      throw classifyBigQueryError(err, where);
    }
    if (query.signal?.aborted) throw new ShadowscaleError('cancelled', 'cancelled', `${where}: read cancelled`);

    const name = `bigquery:${where}`;
    const points: RawPoint[] = rows.map((r, i) => ({ t: Number(r.bucket_ms), v: r.value === null ? NaN : Number(r.value), row: i + 1 }));
    if (!points.length) {
      // No row at all is almost always a wrong metric type, group name or table, not silence.
      throw inputError('empty-series', { field: 'history.bigquery' }, `${where}: no points between ${new Date(startMs).toISOString()} and ${new Date(endMs).toISOString()}; check the metric type, the group name and the table`);
    }
    if (points.every((p) => Number.isNaN(p.v))) {
      // Rows with no INT64 or DOUBLE value: a DISTRIBUTION or BOOL metric, which this reader does not aggregate.
      throw inputError('non-numeric-metric', { field: 'history.bigquery.metricType' }, `${where}: expected INT64 or DOUBLE points, got ${points.length} step(s) of rows with neither (a DISTRIBUTION or BOOL metric?); choose a metric with numeric values`);
    }
    const { series, report } = toGrid(points, { name, stepMs });
    this.lastReport = report;
    this.lastMetricKind = rows.find((r) => typeof r.metric_kind === 'string')?.metric_kind ?? undefined;
    return windowOnGrid(series, startMs, endMs);
  }
}
