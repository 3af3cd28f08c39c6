/**
 * FleetPlan: the one typed contract between planning and applying.
 * The planner (automation/plan.ts) produces it; the Pulumi program (stacks/) and the
 * fleet simulator (automation/sim/) consume it. Plain data only: it is serialised as
 * stack config and compared in previews.
 */
import type { ErrorKind } from './errors';

export type GenerationRole = 'primary' | 'shadow';

/** Lifecycle: standby -> warming -> active -> (as old primary) draining -> retired (absent). */
export type GenerationState = 'standby' | 'warming' | 'active' | 'draining';

export interface Placement {
  /** Stable id from the config, e.g. "us-central1-a/n2-standard-4". */
  id: string;
  /** Zone for a zonal MIG; region (without zone) for a regional MIG. */
  zone?: string;
  region: string;
  machineType: string;
  /** Price of a running VM per hour (same currency everywhere). */
  pricePerHour: number;
  /** Price per hour of a suspended VM (memory + disk). */
  suspendedPricePerHour: number;
  /** Price per hour of a stopped VM (disk). */
  stoppedPricePerHour: number;
  /** VMs allowed by quota in this placement. */
  quotaVms?: number;
}

/** Autoscaler scaling schedule (GCP: minRequiredReplicas for a cron window). */
export interface ScalingSchedule {
  name: string;
  minRequiredReplicas: number;
  /** Cron in the given time zone, e.g. "30 14 24 11 *". */
  schedule: string;
  durationSec: number;
  timeZone: string;
  description?: string;
}

export interface GenerationPlan {
  /** Stable name, e.g. "web-g3"; resource names derive from it and never change. */
  name: string;
  role: GenerationRole;
  state: GenerationState;
  placement: Placement;
  instanceTemplate: {
    machineType: string;
    image: string;
    startupScript?: string;
    /** Bumped when the template changes, so a new template means a new generation. */
    version: string;
  };
  /** Autoscaler bounds. The autoscaler owns the running size; the plan sets floors. */
  minReplicas: number;
  maxReplicas: number;
  targetUtilization: number;
  /** Running floor the plan asks for now (expressed to GCP via minReplicas / schedules). */
  running: number;
  /** Standby pool sizes (targetSuspendedSize / targetStoppedSize). */
  suspended: number;
  stopped: number;
  scalingSchedules: ScalingSchedule[];
  /** URL-map weight 0..1000; all generations of a workload sum to 1000. */
  weight: number;
  /** Mirror the primary's traffic to this generation (warming). */
  mirror: boolean;
  /** ISO time this generation entered its current state (for drain periods). */
  since: string;
}

export interface WorkloadPlan {
  workload: string;
  project?: string;
  region: string;
  /** Named port and health check path the backends serve. */
  port: number;
  healthCheckPath: string;
  generations: GenerationPlan[];
}

export interface FleetPlan {
  version: 1;
  /** ISO time the plan was made (from the injected clock). */
  createdAt: string;
  workloads: WorkloadPlan[];
}

/** What the fleet looks like now, read back from stack outputs or the simulator. */
export interface GenerationStatus {
  name: string;
  role: GenerationRole;
  state: GenerationState;
  placementId: string;
  running: number;
  suspended: number;
  stopped: number;
  weight: number;
  healthy: boolean;
  since: string;
  /** Instance template version the generation runs: a change in config starts a migration. */
  templateVersion?: string;
  /** Observed load per running VM (units of the workload's first signal), if known. */
  loadPerVm?: number;
  /** The generation's managed instance group, where its live state is read (real fleets only). */
  migSelfLink?: string;
  /**
   * The running floor the last applied plan set, when known. `running` is what runs now (the
   * autoscaler's doing); a plan that holds keeps this floor, not the autoscaler's count.
   */
  plannedRunning?: number;
}

export interface WorkloadStatus {
  workload: string;
  generations: GenerationStatus[];
}

export interface FleetState {
  /** ISO time the state was read. */
  observedAt: string;
  workloads: WorkloadStatus[];
  /**
   * Workloads whose state could not be read this time, and why. They are left as they are, and
   * their fleets are unknown to the total guardrails.
   */
  unreadable?: { workload: string; error: string; kind: ErrorKind }[];
}

/** One decision, with its reason in words and the numbers behind it. */
export interface Decision {
  workload: string;
  /** Stable code, e.g. "shadow.create", "weight.shift", "hold.stale-forecast". */
  code: string;
  message: string;
  numbers: Record<string, number | string>;
  generation?: string;
}

/** The fields of a generation's status that its plan determines (what is observed comes on top). */
export type PlannedStatus = Omit<GenerationStatus, 'healthy' | 'loadPerVm' | 'migSelfLink' | 'plannedRunning'>;

export function plannedStatus(g: GenerationPlan): PlannedStatus {
  return {
    name: g.name,
    role: g.role,
    state: g.state,
    placementId: g.placement.id,
    running: g.running,
    suspended: g.suspended,
    stopped: g.stopped,
    weight: g.weight,
    since: g.since,
    templateVersion: g.instanceTemplate.version,
  };
}
