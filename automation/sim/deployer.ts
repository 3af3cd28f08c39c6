/**
 * SimDeployer: the embedded default Deployer (`shadowscale run --deployer sim`). Applies plans to
 * simulated fleets that advance with the injected clock, one step at a time, under the same
 * fleet model as replay. Demand comes from an optional function (none: no traffic).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ShadowscaleConfig } from '../config-types';
import type { FleetPlan, FleetState, WorkloadPlan } from '../fleet-plan';
import type { ApplyResult, Clock, Deployer, DeployOptions, PreviewResult } from '../ports';
import { ShadowscaleError } from '../errors';
import { DEFAULT_FLEET_MODEL, SimFleet, type FleetModel } from './fleet';
import { settingsFromPlan, statusFromFleet } from './plan-driver';

export interface SimDeployerOptions {
  config: Pick<ShadowscaleConfig, 'workloads'>;
  clock: Clock;
  /** Simulation step. Default 1 min. */
  stepMs?: number;
  model?: FleetModel;
  /** Demand of a workload during the step starting at tMs (units of its first signal). */
  demand?: (workload: string, tMs: number) => number;
  /**
   * Where the plans last applied are kept between processes (`run --once`, `job`), as Pulumi
   * keeps its stacks; without it the simulated fleet lives as long as the process.
   */
  stateFile?: string;
}

/** What `stateFile` holds: per workload, the plan last applied and when. */
interface SavedFleet {
  version: 1;
  workloads: Record<string, { appliedAt: string; plan: WorkloadPlan }>;
}

type Change = PreviewResult['changes'][number];

export class SimDeployer implements Deployer {
  readonly kind = 'sim';
  private readonly fleets = new Map<string, SimFleet>();
  private readonly lastDemand = new Map<string, number>();
  /**
   * Per workload, the plan last applied. Keyed by workload because runOnce applies one
   * workload's plan at a time, concurrently: a single whole-fleet "last plan" would make each
   * apply forget every other workload's roles and weights.
   */
  private readonly lastPlans = new Map<string, WorkloadPlan>();
  private simulatedToMs: number | undefined;
  private readonly stepMs: number;
  private readonly model: FleetModel;

  constructor(private readonly opts: SimDeployerOptions) {
    this.stepMs = opts.stepMs ?? 60_000;
    this.model = opts.model ?? DEFAULT_FLEET_MODEL;
    this.restore();
  }

  /**
   * A fleet from an earlier process: its last plans, settled (every VM asked for is ready, each
   * autoscaler at its floor): what a real fleet looks like a tick after an apply. A workload no
   * longer configured is left in the file, as its stack would stay.
   */
  private restore(): void {
    const saved = readSaved(this.opts.stateFile);
    for (const [workload, entry] of Object.entries(saved.workloads)) {
      if (!this.opts.config.workloads.some((w) => w.name === workload)) continue;
      const at = Date.parse(entry.appliedAt);
      const fleet = this.fleetOf(workload);
      fleet.configure(settingsFromPlan(entry.plan, at));
      fleet.step(at, 0, undefined, { prime: true });
      this.lastPlans.set(workload, entry.plan);
    }
  }

  /**
   * Writes the applied workloads' plans, keeping the others' entries (another shard's). The
   * rename makes each write whole, but two processes applying at the same instant can each
   * write back what they read, and one's entry is lost (the simulator's, not a real fleet's).
   */
  private save(plans: readonly WorkloadPlan[], nowMs: number): void {
    const file = this.opts.stateFile;
    if (!file) return;
    const saved = readSaved(file);
    for (const wp of plans) saved.workloads[wp.workload] = { appliedAt: new Date(nowMs).toISOString(), plan: wp };
    mkdirSync(dirname(file), { recursive: true });
    // Written whole under another name, then renamed: a reader never sees half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(saved));
    renameSync(tmp, file);
  }

  async state(options?: DeployOptions): Promise<FleetState> {
    checkAbort(options);
    const nowMs = this.advance();
    return this.snapshot(nowMs);
  }

  /**
   * Like the Pulumi deployer (one stack per workload), a plan speaks only for the workloads it
   * holds: one it leaves out is neither previewed nor changed. Retiring a workload's generations
   * is the planner's job, through a plan that holds that workload.
   */
  async preview(plan: FleetPlan, options?: DeployOptions): Promise<PreviewResult> {
    checkAbort(options);
    return { changes: diffPlans(this.lastPlanOf(plan), plan) };
  }

  /**
   * Synchronous from the abort check to the return, so concurrent applies of different
   * workloads run one after the other on the event loop and each only writes its own entries.
   * Returns the state of the plan's workloads, as the Pulumi deployer does.
   */
  async apply(plan: FleetPlan, options?: DeployOptions): Promise<ApplyResult> {
    checkAbort(options);
    const nowMs = this.advance();
    const changes = diffPlans(this.lastPlanOf(plan), plan);
    // Every workload checked before any fleet changes: an unknown one leaves the whole plan unapplied.
    for (const wp of plan.workloads) this.configOf(wp.workload);
    for (const wp of plan.workloads) {
      this.fleetOf(wp.workload).configure(settingsFromPlan(wp, nowMs));
      this.lastPlans.set(wp.workload, wp);
    }
    this.save(plan.workloads, nowMs);
    const touched = new Set(plan.workloads.map((w) => w.workload));
    const state = this.snapshot(nowMs);
    return { state: { ...state, workloads: state.workloads.filter((w) => touched.has(w.workload)) }, changes };
  }

  /** The last applied plans of the workloads `plan` holds, as one plan to diff against. */
  private lastPlanOf(plan: FleetPlan): FleetPlan {
    const workloads = plan.workloads.flatMap((w) => {
      const last = this.lastPlans.get(w.workload);
      return last ? [last] : [];
    });
    return { version: plan.version, createdAt: plan.createdAt, workloads };
  }

  /** Marks a simulated generation healthy or not (its VMs stop serving), for failover drills. */
  setHealthy(workload: string, generation: string, healthy: boolean): void {
    const mig = this.fleets.get(workload)?.migs.get(generation);
    if (!mig) throw new ShadowscaleError('input', 'sim.unknown-generation', `no simulated generation ${generation} in workload ${workload}`);
    mig.healthy = healthy;
  }

  private fleetOf(workload: string): SimFleet {
    let f = this.fleets.get(workload);
    if (!f) {
      f = new SimFleet(this.configOf(workload).signals[0].capacityPerVm, this.stepMs, this.model);
      this.fleets.set(workload, f);
    }
    return f;
  }

  private configOf(workload: string): SimDeployerOptions['config']['workloads'][number] {
    const w = this.opts.config.workloads.find((x) => x.name === workload);
    if (!w) throw new ShadowscaleError('unsafe', 'sim.unknown-workload', `the plan names workload ${workload}, which is not in the configuration`);
    return w;
  }

  /** Steps every fleet up to the clock's time; returns that time. */
  private advance(): number {
    const nowMs = this.opts.clock.now().getTime();
    if (this.simulatedToMs === undefined) {
      this.simulatedToMs = nowMs;
      return nowMs;
    }
    for (; this.simulatedToMs + this.stepMs <= nowMs; this.simulatedToMs += this.stepMs) {
      for (const [workload, fleet] of this.fleets) {
        const d = this.opts.demand?.(workload, this.simulatedToMs) ?? 0;
        fleet.step(this.simulatedToMs, d, this.lastDemand.get(workload));
        this.lastDemand.set(workload, d);
      }
    }
    return nowMs;
  }

  private snapshot(nowMs: number): FleetState {
    const workloads = [...this.fleets.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([name, fleet]) => statusFromFleet(name, fleet, this.lastPlans.get(name), nowMs));
    return { observedAt: new Date(nowMs).toISOString(), workloads };
  }
}

function readSaved(file: string | undefined): SavedFleet {
  if (!file || !existsSync(file)) return { version: 1, workloads: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as SavedFleet;
    if (parsed?.version !== 1 || typeof parsed.workloads !== 'object' || parsed.workloads === null) throw new Error('expected {"version": 1, "workloads": {...}}');
    return parsed;
  } catch (err) {
    throw new ShadowscaleError('config', 'sim.state-unreadable', `${file}: the simulated fleet cannot be read (${(err as Error).message}); delete the file to start the simulation afresh`, { file });
  }
}

function checkAbort(options?: DeployOptions): void {
  if (options?.signal?.aborted) throw new ShadowscaleError('cancelled', 'sim.cancelled', 'the simulated deployment was cancelled');
}

/** Resource-level differences between two plans, named like the Pulumi stack names them. */
export function diffPlans(before: FleetPlan | undefined, after: FleetPlan): Change[] {
  const changes: Change[] = [];
  const workloads = new Set([...(before?.workloads ?? []).map((w) => w.workload), ...after.workloads.map((w) => w.workload)]);
  for (const workload of [...workloads].sort()) {
    const a = before?.workloads.find((w) => w.workload === workload);
    const b = after.workloads.find((w) => w.workload === workload);
    const names = new Set([...(a?.generations ?? []).map((g) => g.name), ...(b?.generations ?? []).map((g) => g.name)]);
    for (const name of [...names].sort()) {
      const ga = a?.generations.find((g) => g.name === name);
      const gb = b?.generations.find((g) => g.name === name);
      const op: Change['op'] = !ga ? 'create' : !gb ? 'delete' : JSON.stringify(migPart(ga)) === JSON.stringify(migPart(gb)) ? 'same' : 'update';
      const detail = ga && gb && op === 'update' ? describe(ga, gb) : undefined;
      changes.push(detail ? { workload, resource: name, type: 'mig', op, detail } : { workload, resource: name, type: 'mig', op });
    }
    const weights = (w: WorkloadPlan | undefined) => JSON.stringify((w?.generations ?? []).map((g) => [g.name, g.weight, g.mirror]));
    const urlOp: Change['op'] = !a ? 'create' : !b ? 'delete' : weights(a) === weights(b) ? 'same' : 'update';
    changes.push({ workload, resource: `${workload}-url-map`, type: 'url-map', op: urlOp });
  }
  return changes;
}

function migPart(g: WorkloadPlan['generations'][number]) {
  return { min: g.minReplicas, max: g.maxReplicas, u: g.targetUtilization, s: g.suspended, p: g.stopped, sched: g.scalingSchedules, placement: g.placement.id, template: g.instanceTemplate };
}

function describe(a: WorkloadPlan['generations'][number], b: WorkloadPlan['generations'][number]): string {
  const parts: string[] = [];
  if (a.minReplicas !== b.minReplicas) parts.push(`minReplicas ${a.minReplicas} -> ${b.minReplicas}`);
  if (a.suspended !== b.suspended) parts.push(`suspended ${a.suspended} -> ${b.suspended}`);
  if (a.stopped !== b.stopped) parts.push(`stopped ${a.stopped} -> ${b.stopped}`);
  if (a.targetUtilization !== b.targetUtilization) parts.push(`target ${a.targetUtilization} -> ${b.targetUtilization}`);
  if (JSON.stringify(a.scalingSchedules) !== JSON.stringify(b.scalingSchedules)) parts.push(`${b.scalingSchedules.length} schedules`);
  return parts.join(', ');
}
