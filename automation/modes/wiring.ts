/**
 * The real components behind the run, job and preview commands. Modules that load
 * `@pulumi/pulumi` (the stack program, its outputs reader, the offline preview) are required
 * on first use only: a `--deployer sim` run never loads the Pulumi runtime.
 */
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type * as ProgramModule from '../../stacks/program';
import type * as OutputsModule from '../../stacks/outputs';
import type * as OfflinePreviewModule from '../adapters/offline-preview';
import type * as ComputeObserverModule from '../adapters/compute-observer';
import type { ShadowscaleConfig, SignalConfig, WorkloadConfig } from '../config-types';
import type { Decision, FleetPlan } from '../fleet-plan';
import type { Clock, Deployer, EventSink, HistorySource, PreviewResult, RecordsStore } from '../ports';
import { inputError } from '../errors';
import { FileHistorySource } from '../../forecaster/sources/files';
import { BigQueryHistorySource } from '../../forecaster/sources/bigquery';
import { MonitoringHistorySource } from '../../forecaster/sources/monitoring';
import { ExportWithRecentHistorySource } from '../../forecaster/sources/export-with-recent';
import { forecast } from '../../forecaster/index';
import { costReport, planFleet } from '../plan';
import { SimDeployer } from '../sim/deployer';
import { DuckDbRecordsStore } from '../adapters/records-duckdb';
import { MonitoringForecastPublisher } from '../adapters/monitoring-publisher';
import { chooseModel, recordModel } from './model-registry';
import { resolvePlanClock } from './clock';
import { FileRecoveryMarkers, PulumiDeployer, RefreshEveryUp, localWorkspaceDriver, type StackOutputs } from '../adapters/pulumi-deployer';
import type { ForecastFn, ForecastPublisher, ModelRegistryHooks, PlanFn, RunContext } from './run-once';

/** The history of one of a workload's signals; without a signal, the first one's (the workload's). */
export function historyFor(workload: WorkloadConfig, signal?: SignalConfig): HistorySource {
  const h = signal?.history ?? workload.history;
  const where = signal && signal !== workload.signals[0] ? `workloads[${workload.name}].signals[${signal.name}].history` : `workloads[${workload.name}].history`;
  if (h.source === 'file') {
    if (!h.file || !h.valueColumn) throw inputError('config.history', { field: where }, 'expected "file" and "valueColumn" for a file history source');
    return new FileHistorySource({ file: h.file, valueColumn: h.valueColumn, timeColumn: h.timeColumn, stepMs: h.stepSec ? h.stepSec * 1000 : undefined, resampleMs: h.resampleSec ? h.resampleSec * 1000 : undefined });
  }
  const bq = h.bigquery;
  if (!bq) throw inputError('config.history', { field: `${where}.bigquery` }, 'expected the BigQuery table settings for a bigquery history source');
  const stepMs = (h.resampleSec ?? 60) * 1000;
  const exported = new BigQueryHistorySource({
    projectId: bq.project, dataset: bq.dataset, table: bq.table, location: bq.location, metricType: bq.metricType,
    instanceGroup: bq.instanceGroup, backendService: bq.backendService, maximumBytesBilled: bq.maximumBytesBilled,
    stepMs,
  });
  const recentMinutes = bq.recentMinutes ?? 60;
  if (recentMinutes === 0) return exported;
  // The kind configured, or else the one the exported rows carry (GAUGE when neither says).
  const recentFor = (exportedKind: string | undefined) => new MonitoringHistorySource({
    projectId: workload.project ?? bq.project, metricType: bq.metricType, metricKind: bq.metricKind ?? asMetricKind(exportedKind) ?? 'GAUGE',
    instanceGroup: bq.instanceGroup, backendService: bq.backendService, stepMs,
  });
  return new ExportWithRecentHistorySource(exported, recentFor, recentMinutes * 60_000);
}

function asMetricKind(kind: string | undefined): 'GAUGE' | 'DELTA' | 'CUMULATIVE' | undefined {
  return kind === 'GAUGE' || kind === 'DELTA' || kind === 'CUMULATIVE' ? kind : undefined;
}

export const forecastFn: ForecastFn = (series, options) => forecast(series, options);

/**
 * The planner, with its cost report as decisions: what each workload's shadows cost against the
 * shortfall they are expected to avoid, and which never pay for themselves.
 */
export function planFn(config: ShadowscaleConfig): PlanFn {
  return ({ now, config: shard, forecasts, state, forecastMaxAgeMs }) => {
    const result = planFleet({ now: now.toISOString(), config: shard, forecasts, state, tickMs: config.tickSec * 1000, forecastMaxAgeMs });
    const costs = costReport({ config: shard, plan: result.plan, forecasts, now: now.toISOString(), forecastMaxAgeMs });
    const costDecisions: Decision[] = costs
      .filter((c) => c.shadowCostPerHour > 0 || c.recommendRemoval.length > 0)
      .map((c) => ({
        workload: c.workload,
        code: c.recommendRemoval.length ? 'cost.remove-shadow' : 'cost.report',
        message: c.message,
        numbers: { shadowCostPerHour: c.shadowCostPerHour, shortfallAvoidedPerHour: c.shortfallAvoidedPerHour, savingsPerHour: c.savingsPerHour },
      }));
    return { plan: result.plan, decisions: [...result.decisions, ...costDecisions] };
  };
}

/** Whether a process id is running on this host (signal 0 checks without sending anything). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DeployerWiring {
  config: ShadowscaleConfig;
  kind: 'pulumi' | 'sim';
  workloads: readonly string[];
  clock: Clock;
  sink: EventSink;
  /** Longest a run can live (Cloud Run task timeout); lets a lock older than it be cancelled. */
  maxRunMs?: number;
  /** The process's disk does not outlive it (a Cloud Run task): refresh before every update. */
  ephemeralDisk?: boolean;
}

/** The simulated fleet's plans, kept between processes in the state folder. */
export const SIM_STATE_FILE = 'sim-fleet.json';

/** `.shadowscale/` next to the configuration file holds the local state of a run. */
export function stateDir(config: ShadowscaleConfig): string {
  return resolve(dirname(config.file), '.shadowscale');
}

export function createDeployer(w: DeployerWiring): Deployer {
  if (w.kind === 'sim') return new SimDeployer({ config: w.config, clock: w.clock, stateFile: join(stateDir(w.config), SIM_STATE_FILE) });
  const { fleetProgram } = require('../../stacks/program') as typeof ProgramModule;
  const { fleetStateFromOutputs } = require('../../stacks/outputs') as typeof OutputsModule;
  // Loaded only for real fleets: the Compute client is heavy and the simulator never needs it.
  const { createComputeObserver } = require('../adapters/compute-observer') as typeof ComputeObserverModule;
  const dir = stateDir(w.config);
  const d = w.config.deployer;
  return new PulumiDeployer({
    deployer: d,
    workloads: w.workloads,
    driver: localWorkspaceDriver({
      program: (plan: FleetPlan) => fleetProgram(plan, w.config.deployer.stack),
      backendUrl: d.backendUrl ?? `file://${resolve(dir, 'pulumi-state')}`,
      secretsProvider: d.secretsProvider,
      workDir: resolve(dir, 'pulumi'),
      envVars: passThroughEnv(['PULUMI_CONFIG_PASSPHRASE', 'PULUMI_CONFIG_PASSPHRASE_FILE', 'GOOGLE_PROJECT', 'GOOGLE_REGION', 'GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CORE_PROJECT']),
      pulumiHome: process.env.PULUMI_HOME,
    }),
    fleetStateFromOutputs: (outputs: StackOutputs, observedAt: string) => fleetStateFromOutputs(outputs, observedAt),
    observer: createComputeObserver(),
    clock: w.clock,
    sink: w.sink,
    recovery: w.ephemeralDisk ? new RefreshEveryUp() : new FileRecoveryMarkers(resolve(dir, 'recovery')),
    lockPolicy: { hostname: hostname(), isPidAlive, maxRunMs: w.maxRunMs },
  });
}

function passThroughEnv(names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (process.env[n] !== undefined ? [[n, process.env[n]!]] : [])));
}

/** Offline preview with the stack options of the new configuration (and of the base one, for a PR). */
export function offlinePreviewFn(config: ShadowscaleConfig, baseConfig?: ShadowscaleConfig): (current: FleetPlan | undefined, next: FleetPlan) => Promise<PreviewResult> {
  const { offlinePreview } = require('../adapters/offline-preview') as typeof OfflinePreviewModule;
  return (current, next) => offlinePreview(current, next, { program: config.deployer.stack, currentProgram: (baseConfig ?? config).deployer.stack });
}

export interface RunWiring {
  config: ShadowscaleConfig;
  deployerKind: 'pulumi' | 'sim';
  mode: RunContext['mode'];
  /** The shard this process owns; all workloads when undefined. */
  workloads?: readonly string[];
  /** Default: the config's planAt (system clock, history end or a fixed time). */
  clock?: Clock;
  sink: EventSink;
  maxRunMs?: number;
  ephemeralDisk?: boolean;
}

export function registryHooks(records: RecordsStore): ModelRegistryHooks {
  return {
    choose: (key, series, now) => chooseModel(records, key, series, now),
    record: (key, series, forecast, now) => recordModel(records, key, series, forecast, now),
  };
}

/** Forecasts go to Cloud Monitoring only when the configuration names a project. */
export function publisherFor(config: ShadowscaleConfig, sink: EventSink): { publish: ForecastPublisher; close(): Promise<void> } | undefined {
  if (!config.project) return undefined;
  let client: import('@google-cloud/monitoring').MetricServiceClient | undefined;
  let publisher: MonitoringForecastPublisher | undefined;
  return {
    publish: async (forecasts) => {
      if (!publisher) {
        const { MetricServiceClient } = require('@google-cloud/monitoring') as typeof import('@google-cloud/monitoring');
        client = new MetricServiceClient({ projectId: config.project });
        publisher = new MonitoringForecastPublisher({ client, projectId: config.project!, events: sink });
      }
      const result = await publisher.publish(forecasts);
      return result.skipped ? [`${result.skipped} forecast point(s) not published (not newer than the last written point)`] : [];
    },
    // The client's gRPC channel would keep a finished job's process alive.
    close: async () => {
      await client?.close();
    },
  };
}

/**
 * The workloads whose state a shard reads: its own, or every configured one when total
 * guardrails are set, since the other shards' fleets count against the same caps.
 */
export function stateWorkloads(config: ShadowscaleConfig, owned: readonly string[]): readonly string[] {
  const { maxVms, maxSpendPerHour } = config.totalGuardrails;
  return Number.isFinite(maxVms) || Number.isFinite(maxSpendPerHour) ? config.workloads.map((x) => x.name) : owned;
}

export async function buildRunContext(w: RunWiring): Promise<RunContext & { note?: string; close(): Promise<void> }> {
  const workloads = w.workloads ?? w.config.workloads.map((x) => x.name);
  const resolved = w.clock ? { clock: w.clock, note: undefined } : await resolvePlanClock(w.config, historyFor);
  const records = await DuckDbRecordsStore.open(w.config.recordsPath);
  const publisher = publisherFor(w.config, w.sink);
  const deployer = createDeployer({ config: w.config, kind: w.deployerKind, workloads: stateWorkloads(w.config, workloads), clock: resolved.clock, sink: w.sink, maxRunMs: w.maxRunMs, ephemeralDisk: w.ephemeralDisk });
  return {
    config: w.config,
    clock: resolved.clock,
    note: resolved.note,
    deployer,
    history: historyFor,
    forecast: forecastFn,
    plan: planFn(w.config),
    records,
    models: registryHooks(records),
    publish: publisher?.publish,
    close: async () => {
      await Promise.all([records.close(), publisher?.close(), deployer.close?.()]);
    },
    sink: w.sink,
    mode: w.mode,
    workloads,
  };
}
