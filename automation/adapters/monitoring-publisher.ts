/**
 * Publishes forecasts as Cloud Monitoring custom metrics, so dashboards, alerts and the GCP
 * autoscaler can read them: the median as `custom.googleapis.com/shadowscale/forecast_p50`, the
 * 0.95 quantile as `.../forecast_p95`, one time series per workload and horizon.
 *
 * The write limits of createTimeSeries shape this adapter: one point per series per request, at
 * most 200 series per request, and each point newer than the series' last one (and, per the
 * quotas page, at least 10 s after it). Points that would break the ordering are skipped and
 * reported, not sent to be rejected.
 */
import type { MetricServiceClient } from '@google-cloud/monitoring';
import type { QuantileForecast } from '../../forecaster/types';
import { ShadowscaleError, describeError, inputError, isRetryable } from '../errors';
import type { EventSink } from '../ports';

export const FORECAST_METRICS = [
  { type: 'custom.googleapis.com/shadowscale/forecast_p50', quantile: '0.5', displayName: 'shadowscale forecast (median)' },
  { type: 'custom.googleapis.com/shadowscale/forecast_p95', quantile: '0.95', displayName: 'shadowscale forecast (0.95 quantile)' },
] as const;

/** createTimeSeries accepts at most this many TimeSeries per request. */
export const MAX_SERIES_PER_REQUEST = 200;

export interface ForecastToPublish {
  workload: string;
  forecast: QuantileForecast;
  /** When the forecast is published; the time of every point written for it. */
  at: Date;
}

export interface PublishResult {
  /** Series written (one point each). */
  series: number;
  /** createTimeSeries requests sent (not counting retries). */
  requests: number;
  /** Points not sent: not newer than the series' last point, too soon after it, or not finite. */
  skipped: number;
}

export type MonitoringClient = Pick<MetricServiceClient, 'createTimeSeries' | 'createMetricDescriptor'>;

export interface MonitoringPublisherOptions {
  client: MonitoringClient;
  projectId: string;
  /**
   * Create the two metric descriptors (GAUGE, DOUBLE, labels workload and horizon) before the
   * first write. Without it Cloud Monitoring auto-creates them from the first point, with no
   * label descriptions.
   */
  createDescriptors?: boolean;
  /** Publish only these horizons (minutes after the forecast origin); default every forecast step. */
  horizonsMinutes?: number[];
  /** Least time between two points of one series; the quotas page says one point each 10 s. */
  minPointIntervalMs?: number;
  /** Attempts after a transient failure (429, 5xx, network) of one request. */
  retries?: number;
  /** First back-off before a retry; it doubles on each further attempt. */
  retryMinTimeoutMs?: number;
  /** Unit of the forecast values in UCUM, e.g. "1/s" for requests per second. */
  unit?: string;
  events?: EventSink;
}

interface PendingSeries {
  key: string;
  atMs: number;
  series: {
    metric: { type: string; labels: Record<string, string> };
    resource: { type: string; labels: Record<string, string> };
    points: { interval: { endTime: { seconds: number; nanos: number } }; value: { doubleValue: number } }[];
  };
}

type PRetry = typeof import('p-retry', { with: { 'resolution-mode': 'import' } });
let pRetryModule: Promise<PRetry> | undefined;

/** p-retry is ESM-only; it loads through import() once. */
function loadPRetry(): Promise<PRetry> {
  pRetryModule ??= import('p-retry');
  return pRetryModule;
}

function horizonLabel(minutes: number): string {
  // Whole minutes print without a decimal point so labels stay stable ("15", not "15.0").
  return Number.isInteger(minutes) ? String(minutes) : String(Number(minutes.toFixed(3)));
}

export class MonitoringForecastPublisher {
  private readonly client: MonitoringClient;
  private readonly projectId: string;
  private readonly createDescriptors: boolean;
  private readonly horizons: Set<string> | undefined;
  private readonly minPointIntervalMs: number;
  private readonly retries: number;
  private readonly retryMinTimeoutMs: number;
  private readonly unit: string;
  private readonly events: EventSink | undefined;
  /** End time of the last point written per series; the API rejects anything not after it. */
  private readonly lastEndMs = new Map<string, number>();
  private descriptorsReady: Promise<void> | undefined;

  constructor(options: MonitoringPublisherOptions) {
    if (!options.projectId) throw inputError('publish.no-project', { field: 'projectId' }, 'expected a Google Cloud project id');
    this.client = options.client;
    this.projectId = options.projectId;
    this.createDescriptors = options.createDescriptors ?? true;
    this.horizons = options.horizonsMinutes ? new Set(options.horizonsMinutes.map(horizonLabel)) : undefined;
    this.minPointIntervalMs = options.minPointIntervalMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.retryMinTimeoutMs = options.retryMinTimeoutMs ?? 1000;
    this.unit = options.unit ?? '1';
    this.events = options.events;
  }

  private get projectName(): string {
    return `projects/${this.projectId}`;
  }

  async publish(forecasts: ForecastToPublish[]): Promise<PublishResult> {
    const { pending, skipped } = this.collect(forecasts);
    if (pending.length === 0) return { series: 0, requests: 0, skipped };
    if (this.createDescriptors) await this.ensureDescriptors();

    const pRetry = (await loadPRetry()).default;
    const batches: PendingSeries[][] = [];
    for (let i = 0; i < pending.length; i += MAX_SERIES_PER_REQUEST) batches.push(pending.slice(i, i + MAX_SERIES_PER_REQUEST));

    let written = 0;
    const failures: string[] = [];
    let firstFailure: unknown;
    for (const [index, batch] of batches.entries()) {
      try {
        await pRetry(() => this.client.createTimeSeries({ name: this.projectName, timeSeries: batch.map((p) => p.series) }), {
          retries: this.retries,
          minTimeout: this.retryMinTimeoutMs,
          shouldRetry: ({ error }) => isRetryable(error),
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft > 0 && isRetryable(error)) {
              this.events?.emit({
                code: 'publish.retry',
                severity: 'WARNING',
                message: `createTimeSeries request ${index + 1}/${batches.length} failed (attempt ${attemptNumber}), retrying: ${describeError(error)}`,
                data: { attempt: attemptNumber, retriesLeft },
              });
            }
          },
        });
        for (const p of batch) this.lastEndMs.set(p.key, p.atMs);
        written += batch.length;
      } catch (err) {
        // Later batches hold other series; one rejected request should not keep them from being written.
        firstFailure ??= err;
        failures.push(`request ${index + 1}/${batches.length} (${batch.length} series): ${describeError(err)}`);
      }
    }
    if (failures.length) {
      throw new ShadowscaleError(
        isRetryable(firstFailure) ? 'transient' : 'internal',
        'publish.write-failed',
        `Cloud Monitoring createTimeSeries failed for project ${this.projectId}; ${written} series written, ${failures.length} of ${batches.length} requests failed: ${failures.join('; ')}`,
        { written, failedRequests: failures.length, requests: batches.length },
        { cause: firstFailure },
      );
    }
    return { series: written, requests: batches.length, skipped };
  }

  /** Turns forecasts into one pending point per series, dropping what the API would reject. */
  private collect(forecasts: ForecastToPublish[]): { pending: PendingSeries[]; skipped: number } {
    forecasts.forEach((f, i) => this.validate(f, i));
    const pending: PendingSeries[] = [];
    const inThisCall = new Set<string>();
    const notNewer: string[] = [];
    const tooSoon: string[] = [];
    let notFinite = 0;
    for (const { workload, forecast, at } of forecasts) {
      const atMs = at.getTime();
      const seconds = Math.floor(atMs / 1000);
      const endTime = { seconds, nanos: (atMs - seconds * 1000) * 1_000_000 };
      for (const metric of FORECAST_METRICS) {
        const values = forecast.quantiles[metric.quantile]!;
        for (let h = 0; h < values.length; h++) {
          const horizon = horizonLabel((h * forecast.stepMs) / 60_000);
          if (this.horizons && !this.horizons.has(horizon)) continue;
          const value = values[h]!;
          if (!Number.isFinite(value)) {
            notFinite++;
            continue;
          }
          const key = `${metric.type}|${workload}|${horizon}`;
          const last = this.lastEndMs.get(key);
          if (inThisCall.has(key) || (last !== undefined && atMs <= last)) {
            notNewer.push(key);
            continue;
          }
          if (last !== undefined && atMs - last < this.minPointIntervalMs) {
            tooSoon.push(key);
            continue;
          }
          inThisCall.add(key);
          pending.push({
            key,
            atMs,
            series: {
              metric: { type: metric.type, labels: { workload, horizon } },
              resource: { type: 'global', labels: { project_id: this.projectId } },
              points: [{ interval: { endTime }, value: { doubleValue: value } }],
            },
          });
        }
      }
    }
    if (notNewer.length) {
      this.events?.emit({
        code: 'publish.skip-not-newer',
        severity: 'WARNING',
        message: `skipped ${notNewer.length} forecast points not newer than the last point of their series (Cloud Monitoring accepts only newer points), e.g. ${notNewer[0]}`,
        data: { skipped: notNewer.length, example: notNewer[0] },
      });
    }
    if (tooSoon.length) {
      this.events?.emit({
        code: 'publish.skip-too-soon',
        severity: 'WARNING',
        message: `skipped ${tooSoon.length} forecast points less than ${this.minPointIntervalMs} ms after the last point of their series, e.g. ${tooSoon[0]}`,
        data: { skipped: tooSoon.length, minPointIntervalMs: this.minPointIntervalMs, example: tooSoon[0] },
      });
    }
    if (notFinite) {
      this.events?.emit({ code: 'publish.skip-not-finite', severity: 'WARNING', message: `skipped ${notFinite} forecast values that are not finite numbers`, data: { skipped: notFinite } });
    }
    return { pending, skipped: notNewer.length + tooSoon.length + notFinite };
  }

  private validate(f: ForecastToPublish, i: number): void {
    const where = `forecasts[${i}]`;
    if (!f.workload) throw inputError('publish.no-workload', { field: `${where}.workload` }, 'expected a workload name');
    if (!(f.at instanceof Date) || Number.isNaN(f.at.getTime())) throw inputError('publish.bad-time', { field: `${where}.at` }, `expected a valid Date for workload ${f.workload}`);
    if (!(f.forecast.stepMs > 0)) throw inputError('publish.bad-step', { field: `${where}.forecast.stepMs` }, `expected a positive step in ms for workload ${f.workload}, got ${f.forecast.stepMs}`);
    for (const metric of FORECAST_METRICS) {
      if (!Array.isArray(f.forecast.quantiles[metric.quantile])) {
        throw inputError(
          'publish.missing-quantile',
          { field: `${where}.forecast.quantiles["${metric.quantile}"]` },
          `workload ${f.workload}: expected the ${metric.quantile} quantile for ${metric.type}; the forecast has ${JSON.stringify(Object.keys(f.forecast.quantiles))}`,
        );
      }
    }
  }

  /** Creates both descriptors once per publisher; a failure is reported and tried again next publish. */
  private ensureDescriptors(): Promise<void> {
    this.descriptorsReady ??= (async () => {
      for (const metric of FORECAST_METRICS) {
        try {
          await this.client.createMetricDescriptor({
            name: this.projectName,
            metricDescriptor: {
              type: metric.type,
              metricKind: 'GAUGE',
              valueType: 'DOUBLE',
              unit: this.unit,
              displayName: metric.displayName,
              description: `Forecast of a workload's demand (${metric.quantile} quantile) published by shadowscale; the point's time is when it was published.`,
              labels: [
                { key: 'workload', valueType: 'STRING', description: 'shadowscale workload name' },
                { key: 'horizon', valueType: 'STRING', description: 'minutes after the forecast origin (the first step not yet observed)' },
              ],
            },
          });
        } catch (err) {
          throw new ShadowscaleError(isRetryable(err) ? 'transient' : 'internal', 'publish.descriptor-failed', `creating metric descriptor ${metric.type} in project ${this.projectId} failed: ${describeError(err)}`, { metric: metric.type }, { cause: err });
        }
      }
    })().catch((err: unknown) => {
      this.descriptorsReady = undefined;
      throw err;
    });
    return this.descriptorsReady;
  }
}
