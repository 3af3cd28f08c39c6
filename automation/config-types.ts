/**
 * The shape of shadowscale.yaml after validation and defaults (see automation/config.ts for
 * the JSON schema and loader). Durations are already converted to seconds.
 */

export interface SignalConfig {
  /** e.g. "requests", "cpu". */
  name: string;
  /** Units of this signal one VM serves at full utilisation. */
  capacityPerVm: number;
  /**
   * Where this signal's demand is read: the workload's history with the signal's overrides
   * merged on. The first signal's is the workload's own (WorkloadConfig.history). The config
   * loader always sets it; a workload built in code with one signal (the replay) may leave it
   * out, which means the workload's history.
   */
  history?: HistoryConfig;
}

export interface HistoryConfig {
  /** "file" (CSV/Parquet through DuckDB) or "bigquery" (Cloud Monitoring export). */
  source: 'file' | 'bigquery';
  file?: string;
  valueColumn?: string;
  timeColumn?: string;
  /** Row clock when the file has no time column, seconds. */
  stepSec?: number;
  /** Resample to this step, seconds. */
  resampleSec?: number;
  bigquery?: {
    project: string;
    dataset: string;
    table: string;
    location: string;
    metricType: string;
    instanceGroup?: string;
    backendService?: string;
    maximumBytesBilled?: string;
    /** GAUGE values are averaged per step; DELTA/CUMULATIVE become a rate per second. */
    metricKind?: 'GAUGE' | 'DELTA' | 'CUMULATIVE';
    /** Minutes read from the Cloud Monitoring API because the export has not caught up; 0 turns it off. */
    recentMinutes?: number;
  };
}

export interface LatencyConfig {
  bootSec: number;
  resumeSec: number;
  startSec: number;
}

export interface GuardrailConfig {
  maxVms: number;
  maxSpendPerHour: number;
  /** Largest URL-map weight change per tick (0..1000). */
  maxWeightStepPerTick: number;
  /** Frozen: the planner keeps the fleet as it is. */
  freeze: boolean;
  /** A successor serves at full weight this long before the old primary is retired. */
  drainSec: number;
}

export interface PlacementConfig {
  id: string;
  zone?: string;
  region: string;
  machineType: string;
  pricePerHour: number;
  suspendedPricePerHour: number;
  stoppedPricePerHour: number;
  quotaVms?: number;
}

export interface WorkloadConfig {
  name: string;
  project?: string;
  region: string;
  port: number;
  healthCheckPath: string;
  image: string;
  startupScript?: string;
  templateVersion: string;
  /** The first signal's history (signals[0].history). */
  history: HistoryConfig;
  /** The VMs needed are the largest of the signals' needs; the planner works in the first signal's units. */
  signals: SignalConfig[];
  /**
   * Served-demand objective, percent, when set: the running floor covers at least this quantile
   * of demand (the newsvendor quantile when that is higher). Unset: the newsvendor quantile alone.
   */
  sloServedPct?: number;
  /** Price of one VM-hour of demand left unserved (the newsvendor penalty). */
  unservedPenaltyPerVmHour: number;
  targetUtilization: number;
  latencies: LatencyConfig;
  guardrails: GuardrailConfig;
  /** First placement is the primary's; the rest are candidates for shadows. */
  placements: PlacementConfig[];
  /** Higher keeps its shadows first when a total cap binds. */
  priority: number;
  /** Forecast horizon, seconds. */
  horizonSec: number;
  /** Contention probability above which a shadow is created in standby. */
  contentionThreshold: number;
}

export interface EventConfig {
  name: string;
  /** Workload name, or undefined for all. */
  workload?: string;
  /** ISO start time. */
  start: string;
  durationSec: number;
  /** Demand multiplier over the window, e.g. 3 for "3x traffic". */
  multiplier: number;
}

export interface DeployerConfig {
  kind: 'sim' | 'pulumi';
  /** Pulumi backend URL, e.g. gs://bucket/path or file://./state. */
  backendUrl?: string;
  /** Pulumi secrets provider, e.g. gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k. */
  secretsProvider?: string;
  stackPrefix: string;
  /** Stacks applied at once. */
  concurrency: number;
  /** Attempts for retryable failures. */
  retries: number;
  /** How the fleet stack builds VMs (stacks/program.ts FleetProgramOptions); defaults there. */
  stack: StackOptionsConfig;
}

/** GCP's bound on standbyPolicy.initialDelaySec and autohealing's initialDelaySec. */
export const MAX_VM_WARMUP_SEC = 3600;

export interface StackOptionsConfig {
  /** VPC network of the VMs (name or self link). */
  network?: string;
  /** Service account the VMs run as. */
  vmServiceAccountEmail?: string;
  /** Seconds a new VM needs before it serves. */
  vmWarmupSec?: number;
  /** Create a target HTTP proxy and global forwarding rule per workload. */
  frontend?: boolean;
  /** Extra labels on instance templates. */
  labels?: Record<string, string>;
}

export interface ShadowscaleConfig {
  /** Path of the file it was loaded from, for messages. */
  file: string;
  version: 1;
  project?: string;
  tickSec: number;
  /**
   * The time plans are made for: undefined is the system clock (production); "history-end"
   * plans as of the newest history point (replayed or bundled histories, what-if previews);
   * an ISO time plans as of that time.
   */
  planAt?: string;
  quantiles: number[];
  totalGuardrails: { maxVms: number; maxSpendPerHour: number };
  recordsPath: string;
  deployer: DeployerConfig;
  workloads: WorkloadConfig[];
  events: EventConfig[];
}
