/**
 * The ports: every cloud or disk call goes through one of these small interfaces, with one
 * real adapter (automation/adapters/, forecaster/sources/) and an embedded default.
 */
import type { Series, QuantileForecast } from '../forecaster/types';
import type { Decision, FleetPlan, FleetState } from './fleet-plan';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface HistoryQuery {
  /** Inclusive start, exclusive end. */
  start?: Date;
  end?: Date;
  stepMs?: number;
  signal?: AbortSignal;
}

/** Reads a workload's demand history onto a regular grid (gaps are NaN). */
export interface HistorySource {
  read(query: HistoryQuery): Promise<Series>;
  /** Releases clients (a gRPC channel keeps the process alive); the source is not used after. */
  close?(): Promise<void>;
}

/** Reads once and always releases the source. */
export async function readOnce(source: HistorySource, query: HistoryQuery): Promise<Series> {
  try {
    return await source.read(query);
  } finally {
    await source.close?.();
  }
}

/** A versioned, trained model, as kept in the records store. */
export interface ModelRecord {
  workload: string;
  version: number;
  kind: string;
  params: Record<string, unknown>;
  trainStart: string;
  trainEnd: string;
  scores: Record<string, number>;
  createdAt: string;
}

export interface RecordsStore {
  saveModel(record: Omit<ModelRecord, 'version'>): Promise<ModelRecord>;
  latestModel(workload: string): Promise<ModelRecord | undefined>;
  saveForecast(workload: string, forecast: QuantileForecast, createdAt: string): Promise<void>;
  /** The forecasts saved for a workload at or after `since` (ISO), oldest first: what its
   * recorded model forecast since it was recorded, to score against the actuals that came. */
  forecastsSince(workload: string, since: string): Promise<(QuantileForecast & { createdAt: string })[]>;
  saveDecisions(decisions: Decision[], at: string): Promise<void>;
  close(): Promise<void>;
}

export interface PreviewResult {
  /** Per workload, resource changes: "create" | "update" | "delete" | "same" by URN-ish name. */
  changes: { workload: string; resource: string; type: string; op: 'create' | 'update' | 'delete' | 'replace' | 'same'; detail?: string }[];
  /** Text the engine printed, if any. */
  log?: string;
}

export interface ApplyResult {
  state: FleetState;
  changes: PreviewResult['changes'];
}

export interface DeployOptions {
  signal?: AbortSignal;
}

/** Applies a FleetPlan: Pulumi Automation API, the fleet simulator, or an offline preview. */
export interface Deployer {
  readonly kind: string;
  /** What the fleet looks like now (from stack outputs, never guessed). */
  state(options?: DeployOptions): Promise<FleetState>;
  preview(plan: FleetPlan, options?: DeployOptions): Promise<PreviewResult>;
  apply(plan: FleetPlan, options?: DeployOptions): Promise<ApplyResult>;
  /** Releases clients (a gRPC channel would keep a finished job's process alive). */
  close?(): Promise<void>;
}

/** What a managed instance group holds right now. */
export interface MigObservation {
  running: number;
  suspended: number;
  stopped: number;
  /** Running VMs with no action pending whose health checks all pass (without a check: pending nothing). */
  healthyRunning: number;
  /** Running VMs with no action pending that fail a health check. */
  failingRunning: number;
  /** The group no longer exists. */
  gone: boolean;
}

/**
 * Reads the live state of managed instance groups (the Compute API). Stack outputs are as of the
 * last update; a primary that failed since then is only seen here.
 */
export interface FleetObserver {
  observe(migSelfLink: string, options?: DeployOptions): Promise<MigObservation>;
  close?(): Promise<void>;
}

/** One sink for everything a person or a log reader sees, with stable codes. */
export interface EventSink {
  emit(event: { code: string; severity: 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR'; message: string; labels?: Record<string, string>; data?: Record<string, unknown> }): void;
}
