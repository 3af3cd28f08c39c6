/**
 * The newest minutes of history, straight from Cloud Monitoring (timeSeries.list), for the span
 * the BigQuery export has not caught up with yet. Values mean the same as in the BigQuery
 * source: per step, GAUGE series are averaged and DELTA/CUMULATIVE series become a rate per
 * second, then the group's series are summed.
 *
 * Ingest latency: GCE and load-balancer metrics become visible up to 210-240 s after they are
 * sampled, so the newest points of a query are incomplete. The read therefore stops at
 * `end - ingestDelayMs` (rounded down to the step); a later read picks those minutes up.
 */
import { MetricServiceClient } from '@google-cloud/monitoring';
import { inputError, isRetryable, ShadowscaleError } from '../../automation/errors';
import type { HistoryQuery, HistorySource } from '../../automation/ports';
import { toGrid, windowOnGrid, type RawPoint } from '../series';
import type { Series } from '../types';

export type MetricKind = 'GAUGE' | 'DELTA' | 'CUMULATIVE';

export interface MonitoringHistoryOptions {
  projectId: string;
  metricType: string;
  /** The aligner depends on it: GAUGE is averaged, DELTA/CUMULATIVE become a rate per second. */
  metricKind: MetricKind;
  /** Exactly one of instanceGroup / backendService. */
  instanceGroup?: string;
  backendService?: string;
  stepMs: number;
  /** How far behind `end` points are still incomplete. Default 240 s (GCE CPU visibility). */
  ingestDelayMs?: number;
  /** Passed to MetricServiceClient (tests: apiEndpoint, port, protocol, fallback, authClient). */
  clientOptions?: ConstructorParameters<typeof MetricServiceClient>[0];
}

export const DEFAULT_INGEST_DELAY_MS = 240_000;

// Only names that need no escaping inside a filter's double-quoted string are accepted, so a
// value can never change the filter's meaning.
const METRIC_TYPE = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;
const RESOURCE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

const GROUP_FIELD = {
  instanceGroup: 'metadata.system_labels.instance_group',
  backendService: 'resource.label.backend_target_name',
} as const;

const ALIGNER: Record<MetricKind, 'ALIGN_MEAN' | 'ALIGN_RATE'> = { GAUGE: 'ALIGN_MEAN', DELTA: 'ALIGN_RATE', CUMULATIVE: 'ALIGN_RATE' };

interface WirePoint {
  interval?: { endTime?: { seconds?: number | string | Long | null; nanos?: number | null } | null } | null;
  value?: { doubleValue?: number | null; int64Value?: number | string | Long | null; boolValue?: boolean | null; value?: string } | null;
}
interface Long {
  toString(): string;
}

function timestampMs(ts: { seconds?: number | string | Long | null; nanos?: number | null } | null | undefined): number {
  return Number(String(ts?.seconds ?? 'NaN')) * 1000 + Math.round((ts?.nanos ?? 0) / 1e6);
}

function pointValue(p: WirePoint): number {
  const v = p.value;
  if (!v) return NaN;
  if (v.doubleValue !== undefined && v.doubleValue !== null) return v.doubleValue;
  if (v.int64Value !== undefined && v.int64Value !== null) return Number(String(v.int64Value));
  if (v.boolValue !== undefined && v.boolValue !== null) return v.boolValue ? 1 : 0;
  return NaN;
}

/** The server's own words: gax REST errors carry the Google error JSON as their message. */
function serverMessage(err: unknown): string {
  const message = (err as { message?: string }).message ?? String(err);
  try {
    const parsed = JSON.parse(message) as { error?: { message?: string; status?: string } };
    if (parsed.error?.message) return `${parsed.error.status ? `${parsed.error.status}: ` : ''}${parsed.error.message}`;
  } catch {
    // not JSON: the message is already plain text
  }
  return message;
}

export function classifyMonitoringError(err: unknown, where: string): ShadowscaleError {
  const kind = isRetryable(err) ? 'transient' : 'input';
  return new ShadowscaleError(kind, kind === 'transient' ? 'monitoring-unavailable' : 'monitoring-rejected', `${where}: Cloud Monitoring: ${serverMessage(err)}`, {}, { cause: err });
}

/**
 * `history` with `recent` laid over it: the result spans both; a step keeps history's value
 * unless history has a gap there, so recent points fill the tail the export has not written and
 * append the minutes after it. From `recentWinsFromMs` on, recent's value wins where it has one
 * (the export's newest step may hold only part of its period). Both must be on the same grid
 * (same step and phase).
 */
export function mergeRecent(history: Series, recent: Series, recentWinsFromMs = Infinity): Series {
  if (recent.values.length === 0) return { ...history, values: Float64Array.from(history.values) };
  if (history.values.length === 0) return { ...recent, name: history.name, values: Float64Array.from(recent.values) };
  if (history.stepMs !== recent.stepMs || (recent.startMs - history.startMs) % history.stepMs !== 0) {
    throw new ShadowscaleError('internal', 'grid-mismatch', `cannot merge ${recent.name} (step ${recent.stepMs} ms from ${new Date(recent.startMs).toISOString()}) into ${history.name} (step ${history.stepMs} ms from ${new Date(history.startMs).toISOString()}): the grids differ`);
  }
  const step = history.stepMs;
  const startMs = Math.min(history.startMs, recent.startMs);
  const endMs = Math.max(history.startMs + history.values.length * step, recent.startMs + recent.values.length * step);
  const values = new Float64Array((endMs - startMs) / step).fill(NaN);
  const recentOffset = (recent.startMs - startMs) / step;
  values.set(recent.values, recentOffset);
  const historyOffset = (history.startMs - startMs) / step;
  for (let i = 0; i < history.values.length; i++) {
    const v = history.values[i]!;
    const j = historyOffset + i;
    const recentHasIt = j >= recentOffset && j < recentOffset + recent.values.length && !Number.isNaN(values[j]!);
    if (!Number.isNaN(v) && !(recentHasIt && history.startMs + i * step >= recentWinsFromMs)) values[j] = v;
  }
  return { name: history.name, startMs, stepMs: step, values };
}

export class MonitoringHistorySource implements HistorySource {
  private readonly client: MetricServiceClient;
  private readonly groupBy: keyof typeof GROUP_FIELD;
  private readonly group: string;

  constructor(private readonly options: MonitoringHistoryOptions) {
    if (!METRIC_TYPE.test(options.metricType)) throw inputError('bad-metric-type', { field: 'metricType' }, `expected a metric type like "compute.googleapis.com/instance/cpu/utilization", got "${options.metricType}"`);
    if (!ALIGNER[options.metricKind]) throw inputError('bad-metric-kind', { field: 'metricKind' }, `expected GAUGE, DELTA or CUMULATIVE, got "${options.metricKind}"`);
    if ((options.instanceGroup === undefined) === (options.backendService === undefined)) {
      throw inputError('bad-monitoring-group', { field: 'instanceGroup/backendService' }, 'expected exactly one of instanceGroup and backendService');
    }
    this.groupBy = options.instanceGroup !== undefined ? 'instanceGroup' : 'backendService';
    this.group = (options.instanceGroup ?? options.backendService)!;
    if (!RESOURCE_NAME.test(this.group)) throw inputError('bad-monitoring-group', { field: this.groupBy }, `expected a Compute Engine resource name (lowercase letters, digits, hyphens), got "${this.group}"`);
    this.client = new MetricServiceClient({ projectId: options.projectId, ...options.clientOptions });
  }

  /** The exact timeSeries.list request for a window (exported for logs and tests). */
  request(startMs: number, endMs: number, stepMs: number) {
    return {
      name: `projects/${this.options.projectId}`,
      filter: `metric.type = "${this.options.metricType}" AND ${GROUP_FIELD[this.groupBy]} = "${this.group}"`,
      interval: { startTime: { seconds: startMs / 1000 }, endTime: { seconds: endMs / 1000 } },
      aggregation: {
        alignmentPeriod: { seconds: stepMs / 1000 },
        perSeriesAligner: ALIGNER[this.options.metricKind],
        crossSeriesReducer: 'REDUCE_SUM' as const,
        groupByFields: [GROUP_FIELD[this.groupBy]],
      },
      view: 'FULL' as const,
    };
  }

  async read(query: HistoryQuery): Promise<Series> {
    const where = `${this.options.metricType} (${this.groupBy} ${this.group})`;
    if (!query.start || !query.end) throw inputError('monitoring-window', { field: 'start/end' }, 'Cloud Monitoring history needs a start and an end time');
    const stepMs = query.stepMs ?? this.options.stepMs;
    if (!(stepMs >= 60_000 && stepMs % 1000 === 0)) throw inputError('bad-step', { field: '--step' }, `expected whole seconds of at least 60 s (the metrics' sampling period), got ${stepMs} ms`);
    const startMs = Math.floor(query.start.getTime() / stepMs) * stepMs;
    const cutoffMs = Math.floor((query.end.getTime() - (this.options.ingestDelayMs ?? DEFAULT_INGEST_DELAY_MS)) / stepMs) * stepMs;
    const name = `monitoring:${where}`;
    if (cutoffMs <= startMs) return { name, startMs, stepMs, values: new Float64Array(0) };

    // Several series can come back (e.g. the group label on more than one resource); the
    // group's value is their sum, as the cross-series reducer would give.
    const sums = new Map<number, number>();
    try {
      for await (const ts of this.client.listTimeSeriesAsync(this.request(startMs, cutoffMs, stepMs), { autoPaginate: false })) {
        if (query.signal?.aborted) break;
        for (const p of (ts.points ?? []) as WirePoint[]) {
          // An aligned point is labelled by its period's end; the grid labels a step by its start.
          const t = timestampMs(p.interval?.endTime) - stepMs;
          if (!Number.isFinite(t) || t < startMs || t + stepMs > cutoffMs) continue;
          const v = pointValue(p);
          sums.set(t, (sums.get(t) ?? 0) + v);
        }
      }
    } catch (err) {
      throw classifyMonitoringError(err, where);
    }
    if (query.signal?.aborted) throw new ShadowscaleError('cancelled', 'cancelled', `${where}: read cancelled`);
    const length = (cutoffMs - startMs) / stepMs;
    if (sums.size === 0) return { name, startMs, stepMs, values: new Float64Array(length).fill(NaN) };
    const points: RawPoint[] = [...sums.entries()].sort(([a], [b]) => a - b).map(([t, v], i) => ({ t, v, row: i + 1 }));
    return windowOnGrid(toGrid(points, { name, stepMs }).series, startMs, cutoffMs);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
