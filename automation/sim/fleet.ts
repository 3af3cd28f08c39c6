/**
 * The fleet simulator: DESIGN.md's fleet model, plus the GCP behaviour plans rely on. Pure
 * (no clock, no I/O): time advances only through step(tMs).
 *
 * Model (all numbers configurable, defaults from DESIGN.md):
 * - Capacity asked for is ready only after its latency: new VM 4 min, resume from suspended
 *   1 min, start from stopped 2 min. A new standby VM costs a boot (at the running price) before
 *   it is pooled.
 * - Price per VM-minute: running and booting/resuming/starting 1.0, suspended 0.08, stopped 0.04.
 *   A step is billed by the state of each VM at the start of the step, after that step's actions.
 * - Partial readiness: a VM that becomes ready `x` into a step of length S serves for (S - x) / S
 *   of that step. So with 5-minute steps a VM resumed at the start of a step serves 80 % of it,
 *   a new VM 20 %. The same rule holds for every controller.
 * - Served at a step = sum over generations of min(demand x weight / 1000, ready x capacity):
 *   URL-map weights split traffic exactly and a generation cannot spill onto another.
 *
 * GCP behaviour between planner ticks:
 * - Autoscaler (target utilisation): recommendation = ceil(demand seen last step / (capacity x
 *   target)). It sees the full demand routed to the group (a load-balancing/request-rate signal,
 *   including demand it failed to serve), which is generous to reactive scaling.
 * - Scale-in stabilisation: the group never goes below the largest recommendation of the last
 *   10 minutes. Floors: minReplicas and any active scaling schedule; cap: maxReplicas.
 * - SCALE_OUT_POOL: scaling out resumes suspended VMs first, then starts stopped ones, then
 *   creates new VMs. Afterwards the pool is refilled to its targets with new VMs (each costs a
 *   boot). Scale-in deletes VMs (newest, not yet ready, first); Google documents no scale-in into
 *   the pool, so none is assumed.
 */
import type { ScheduleWindow } from '../planner/schedules';
import type { ReplayStep } from '../replay-types';

export interface FleetModel {
  bootMs: number;
  resumeMs: number;
  startMs: number;
  /** Price per VM-minute by state. */
  price: { running: number; suspended: number; stopped: number };
  /** Autoscaler scale-in stabilisation window. */
  stabilizationMs: number;
}

export const DEFAULT_FLEET_MODEL: FleetModel = {
  bootMs: 4 * 60_000,
  resumeMs: 60_000,
  startMs: 2 * 60_000,
  price: { running: 1.0, suspended: 0.08, stopped: 0.04 },
  stabilizationMs: 10 * 60_000,
};

/** What a controller or a plan sets on one MIG (and its autoscaler and URL-map weight). */
export interface MigSettings {
  name: string;
  /** Autoscaler on (target utilisation) or off (size = floors only). */
  autoscale: boolean;
  targetUtilization: number;
  minReplicas: number;
  maxReplicas: number;
  schedules: ScheduleWindow[];
  /** Standby pool targets. */
  suspended: number;
  stopped: number;
  /** URL-map weight 0..1000. */
  weight: number;
}

interface Cohort {
  count: number;
  readyAtMs: number;
}

export class SimMig {
  settings: MigSettings;
  /** VMs running or on their way to running (ready at readyAtMs). */
  private running: Cohort[] = [];
  private suspendedVms = 0;
  private stoppedVms = 0;
  /** New VMs booting before they join a pool. */
  private poolBooting: (Cohort & { kind: 'suspended' | 'stopped' })[] = [];
  private recommendations: { atMs: number; value: number }[] = [];
  /** Running size the group is asked for now (autoscaler result within floors and cap). */
  target = 0;
  healthy = true;

  constructor(settings: MigSettings, private readonly model: FleetModel) {
    this.settings = settings;
  }

  /** Floor from minReplicas and the schedules active at tMs. */
  floorAt(tMs: number): number {
    let floor = this.settings.minReplicas;
    for (const s of this.settings.schedules) if (tMs >= s.startMs && tMs < s.endMs) floor = Math.max(floor, s.minRequiredReplicas);
    return floor;
  }

  /** The autoscaler decides and the group acts, at the start of the step at tMs. */
  actuate(tMs: number, demandSeen: number | undefined, capacityPerVm: number): void {
    for (const c of this.poolBooting) {
      if (c.readyAtMs <= tMs) {
        if (c.kind === 'suspended') this.suspendedVms += c.count;
        else this.stoppedVms += c.count;
      }
    }
    this.poolBooting = this.poolBooting.filter((c) => c.readyAtMs > tMs);
    this.mergeReady(tMs);

    let target = this.floorAt(tMs);
    if (this.settings.autoscale && demandSeen !== undefined && Number.isFinite(demandSeen)) {
      const rec = Math.ceil(Math.max(0, demandSeen) / (capacityPerVm * this.settings.targetUtilization) - 1e-9);
      this.recommendations.push({ atMs: tMs, value: rec });
    }
    this.recommendations = this.recommendations.filter((r) => r.atMs > tMs - this.model.stabilizationMs);
    if (this.settings.autoscale) for (const r of this.recommendations) target = Math.max(target, r.value);
    target = Math.min(target, this.settings.maxReplicas);
    this.target = target;

    const current = this.runningCount();
    if (target > current) {
      let need = target - current;
      const resumed = Math.min(need, this.suspendedVms);
      this.suspendedVms -= resumed;
      need -= resumed;
      if (resumed) this.running.push({ count: resumed, readyAtMs: tMs + this.model.resumeMs });
      const started = Math.min(need, this.stoppedVms);
      this.stoppedVms -= started;
      need -= started;
      if (started) this.running.push({ count: started, readyAtMs: tMs + this.model.startMs });
      if (need) this.running.push({ count: need, readyAtMs: tMs + this.model.bootMs });
    } else if (target < current) {
      let remove = current - target;
      this.running.sort((a, b) => a.readyAtMs - b.readyAtMs);
      for (let i = this.running.length - 1; i >= 0 && remove > 0; i--) {
        const k = Math.min(remove, this.running[i].count);
        this.running[i].count -= k;
        remove -= k;
      }
      this.running = this.running.filter((c) => c.count > 0);
    }
    this.refill('suspended', tMs);
    this.refill('stopped', tMs);
  }

  private refill(kind: 'suspended' | 'stopped', tMs: number): void {
    const want = kind === 'suspended' ? this.settings.suspended : this.settings.stopped;
    const booting = this.poolBooting.filter((c) => c.kind === kind).reduce((s, c) => s + c.count, 0);
    const have = (kind === 'suspended' ? this.suspendedVms : this.stoppedVms) + booting;
    if (have < want) {
      this.poolBooting.push({ count: want - have, readyAtMs: tMs + this.model.bootMs, kind });
    } else if (have > want) {
      let remove = have - want;
      const pooled = kind === 'suspended' ? this.suspendedVms : this.stoppedVms;
      const fromPool = Math.min(remove, pooled);
      if (kind === 'suspended') this.suspendedVms -= fromPool;
      else this.stoppedVms -= fromPool;
      remove -= fromPool;
      for (const c of this.poolBooting) {
        if (c.kind !== kind || remove === 0) continue;
        const k = Math.min(remove, c.count);
        c.count -= k;
        remove -= k;
      }
      this.poolBooting = this.poolBooting.filter((c) => c.count > 0);
    }
  }

  private mergeReady(tMs: number): void {
    let ready = 0;
    const rest: Cohort[] = [];
    for (const c of this.running) {
      if (c.readyAtMs <= tMs) ready += c.count;
      else rest.push(c);
    }
    this.running = ready ? [{ count: ready, readyAtMs: Number.NEGATIVE_INFINITY }, ...rest] : rest;
  }

  /** Makes everything asked for ready now: the fleet as it stands when a replay starts. */
  prime(_tMs: number): void {
    const n = this.runningCount();
    this.running = n ? [{ count: n, readyAtMs: Number.NEGATIVE_INFINITY }] : [];
    this.suspendedVms = Math.max(this.suspendedVms, this.settings.suspended);
    this.stoppedVms = Math.max(this.stoppedVms, this.settings.stopped);
    this.poolBooting = [];
  }

  runningCount(): number {
    return this.running.reduce((s, c) => s + c.count, 0);
  }

  readyCount(tMs: number): number {
    return this.running.reduce((s, c) => s + (c.readyAtMs <= tMs ? c.count : 0), 0);
  }

  /** VM-equivalents serving during [tMs, tMs + stepMs) under the partial-readiness rule. */
  readyEquivalent(tMs: number, stepMs: number): number {
    let eq = 0;
    for (const c of this.running) eq += c.count * Math.min(1, Math.max(0, (tMs + stepMs - c.readyAtMs) / stepMs));
    return eq;
  }

  get suspended(): number {
    return this.suspendedVms;
  }

  get stopped(): number {
    return this.stoppedVms;
  }

  /** Cost of one step in price units. */
  stepCost(stepMs: number): number {
    const booting = this.poolBooting.reduce((s, c) => s + c.count, 0);
    const p = this.model.price;
    return ((this.runningCount() + booting) * p.running + this.suspendedVms * p.suspended + this.stoppedVms * p.stopped) * (stepMs / 60_000);
  }
}

/** One step of the fleet, summed over generations: a replay step without its time and demand. */
export type StepOutcome = Pick<ReplayStep, 'running' | 'suspended' | 'stopped' | 'ready' | 'served' | 'cost'> & { weights: Record<string, number> };

/** Several MIG generations of one workload behind one URL map. */
export class SimFleet {
  readonly migs = new Map<string, SimMig>();

  constructor(readonly capacityPerVm: number, readonly stepMs: number, readonly model: FleetModel = DEFAULT_FLEET_MODEL) {}

  /** Creates, updates and deletes MIGs so the fleet has exactly these generations. */
  configure(settings: MigSettings[]): void {
    const names = new Set(settings.map((s) => s.name));
    for (const name of [...this.migs.keys()]) if (!names.has(name)) this.migs.delete(name);
    for (const s of settings) {
      const mig = this.migs.get(s.name);
      if (mig) mig.settings = s;
      else this.migs.set(s.name, new SimMig(s, this.model));
    }
  }

  /** One step: MIGs act on demand seen up to the previous step, then serve this step's demand. */
  step(tMs: number, demand: number, demandSeen: number | undefined, options: { prime?: boolean } = {}): StepOutcome {
    const out: StepOutcome = { running: 0, suspended: 0, stopped: 0, ready: 0, served: 0, cost: 0, weights: {} };
    const d = Number.isFinite(demand) ? Math.max(0, demand) : 0;
    for (const [name, mig] of this.migs) {
      const share = mig.settings.weight / 1000;
      mig.actuate(tMs, demandSeen === undefined ? undefined : demandSeen * share, this.capacityPerVm);
      if (options.prime) mig.prime(tMs);
      const ready = mig.healthy ? mig.readyEquivalent(tMs, this.stepMs) : 0;
      out.running += mig.target;
      out.suspended += mig.settings.suspended;
      out.stopped += mig.settings.stopped;
      out.ready += ready;
      out.served += Math.min(d * share, ready * this.capacityPerVm);
      out.cost += mig.stepCost(this.stepMs);
      out.weights[name] = mig.settings.weight;
    }
    return out;
  }

}

/** Oracle cost of one step: ceil(demand / capacity) running VMs, no latency. */
export function oracleStepCost(demand: number, capacityPerVm: number, stepMs: number, model: FleetModel = DEFAULT_FLEET_MODEL): number {
  if (!Number.isFinite(demand) || demand <= 0) return 0;
  return Math.ceil(demand / capacityPerVm - 1e-9) * model.price.running * (stepMs / 60_000);
}
