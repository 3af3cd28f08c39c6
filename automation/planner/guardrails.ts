/**
 * Guardrails on VMs and spend: trimming a plan until it fits, least valuable capacity first.
 * Pure.
 *
 * Order of trimming (first to go): stopped pool VMs, suspended pool VMs, running floors of
 * generations that carry no traffic, then running floors of serving generations. A workload of
 * higher priority keeps its shadows while a lower one still has something to give.
 */
import type { Decision, GenerationPlan, WorkloadPlan } from '../fleet-plan';
import { floorsForPool, type PathFloors } from './sizing';
import { scheduleBlockSteps, scheduleWindow, schedulesFromFloors } from './schedules';

export function generationVms(g: Pick<GenerationPlan, 'running' | 'suspended' | 'stopped'>): number {
  return g.running + g.suspended + g.stopped;
}

export function generationSpendPerHour(g: Pick<GenerationPlan, 'running' | 'suspended' | 'stopped' | 'placement'>): number {
  return g.running * g.placement.pricePerHour + g.suspended * g.placement.suspendedPricePerHour + g.stopped * g.placement.stoppedPricePerHour;
}

export function workloadVms(w: WorkloadPlan): number {
  return w.generations.reduce((s, g) => s + generationVms(g), 0);
}

export function workloadSpendPerHour(w: WorkloadPlan): number {
  return w.generations.reduce((s, g) => s + generationSpendPerHour(g), 0);
}

/**
 * What a generation will run once its plan is applied: the autoscaler keeps whatever it runs
 * now above the plan's floor, up to its maxReplicas, and a maxReplicas below what runs now makes
 * the group scale in to it. `runningNow` is the observed running size (0 for a new generation).
 */
export function heldRunning(g: Pick<GenerationPlan, 'running' | 'maxReplicas'>, runningNow: number): number {
  return Math.max(g.running, Math.min(runningNow, g.maxReplicas));
}

/**
 * VMs and spend of plans once applied, each generation at heldRunning over what it runs now
 * (by generation name; absent, or no map: 0, which counts the plans' floors). The one count the
 * total trim and the re-check before acting share.
 */
export function heldTotals(workloads: readonly WorkloadPlan[], runningNow?: ReadonlyMap<string, number>): { vms: number; spendPerHour: number } {
  let vms = 0;
  let spendPerHour = 0;
  for (const w of workloads) {
    for (const g of w.generations) {
      const held = { ...g, running: heldRunning(g, runningNow?.get(g.name) ?? 0) };
      vms += generationVms(held);
      spendPerHour += generationSpendPerHour(held);
    }
  }
  return { vms, spendPerHour };
}

interface Cut {
  generation: GenerationPlan;
  field: 'stopped' | 'suspended' | 'running';
}

/**
 * Trim candidates of one workload, least valuable first. Generations in `givesLast` (a
 * replacement being readied for a failed primary: its pool is what the next tick fails over to)
 * give only after everything else of their workload.
 */
function cutsOf(w: WorkloadPlan, givesLast: ReadonlySet<GenerationPlan> = new Set()): Cut[] {
  const gens = [...w.generations].sort((a, b) => a.weight - b.weight || a.name.localeCompare(b.name));
  const cuts: Cut[] = [];
  for (const field of ['stopped', 'suspended'] as const) for (const g of gens) cuts.push({ generation: g, field });
  for (const g of gens) if (g.weight === 0) cuts.push({ generation: g, field: 'running' });
  for (const g of gens) if (g.weight > 0) cuts.push({ generation: g, field: 'running' });
  return [...cuts.filter((c) => !givesLast.has(c.generation)), ...cuts.filter((c) => givesLast.has(c.generation))];
}

/** What one workload gave to a trim. */
export interface Given {
  vms: number;
  /** Generations whose running VMs were cut: their autoscaler's new cap, and what ran before. */
  capped: { generation: string; maxReplicas: number; runningNow: number }[];
  /** Pool VMs taken, per generation and kind. */
  pools: { generation: string; field: 'suspended' | 'stopped'; vms: number }[];
}

/**
 * Removes VMs one at a time from `workloads` (in the given order: the first gives first) until
 * the plans' floors and pools are within the caps. Returns how many VMs each workload gave.
 */
export function trimToCaps(workloads: WorkloadPlan[], maxVms: number, maxSpendPerHour: number, givesLast?: ReadonlySet<GenerationPlan>): Map<string, number> {
  return new Map([...trim(workloads, maxVms, maxSpendPerHour, undefined, givesLast)].map(([w, g]) => [w, g.vms]));
}

/**
 * trimToCaps over what the plans will hold once applied (`tierOf`: workloads of one tier, e.g.
 * one priority, give together; by default each gives alone, in the given order): each generation counts at heldRunning
 * over `runningNow` (by generation name; absent is 0), as the re-check before acting counts it.
 * A running VM taken lowers the generation's maxReplicas with its floor: a lower floor alone
 * leaves every VM the autoscaler runs above it in place, so the trim would exist only on paper
 * and the re-check would refuse someone else's growth. Every generation that carries traffic
 * keeps one running VM: a group capped at 0 would be sent requests it cannot serve. Returns
 * what each gave.
 */
export function trimHeldToCaps(workloads: WorkloadPlan[], maxVms: number, maxSpendPerHour: number, runningNow: ReadonlyMap<string, number>, givesLast?: ReadonlySet<GenerationPlan>, tierOf?: (w: WorkloadPlan) => number): Map<string, Given> {
  return trim(workloads, maxVms, maxSpendPerHour, runningNow, givesLast, tierOf);
}

/** `runningNow` undefined: count floors, cut floors only (trimToCaps). */
function trim(workloads: WorkloadPlan[], maxVms: number, maxSpendPerHour: number, runningNow: ReadonlyMap<string, number> | undefined, givesLast?: ReadonlySet<GenerationPlan>, tierOf: (w: WorkloadPlan) => number = (w) => workloads.indexOf(w)): Map<string, Given> {
  const given = new Map<string, Given>();
  let { vms, spendPerHour: spend } = heldTotals(workloads, runningNow);
  const over = () => vms > maxVms || spend > maxSpendPerHour + 1e-9;
  if (!over()) return given;
  const held = new Map<GenerationPlan, number>();
  const heldOf = (g: GenerationPlan) => held.get(g) ?? heldRunning(g, runningNow?.get(g.name) ?? 0);
  const ranBefore = new Map<GenerationPlan, { workload: string; running: number }>();
  /** Takes one VM of `cut`; false when it has none left to give. */
  const takeOne = (w: WorkloadPlan, cut: Cut): boolean => {
    const g = cut.generation;
    // A generation that carries traffic keeps one running VM: at 0 it would be sent requests
    // it cannot serve (and capAutoscalers would cap it at 0).
    const keep = cut.field === 'running' && g.weight > 0 ? 1 : 0;
    if ((cut.field === 'running' ? heldOf(g) : g[cut.field]) <= keep) return false;
    const mine = given.get(w.workload) ?? { vms: 0, capped: [], pools: [] };
    given.set(w.workload, mine);
    mine.vms += 1;
    vms -= 1;
    if (cut.field === 'running') {
      if (!ranBefore.has(g)) ranBefore.set(g, { workload: w.workload, running: heldOf(g) });
      held.set(g, heldOf(g) - 1);
      spend -= g.placement.pricePerHour;
    } else {
      const field = cut.field;
      const pool = mine.pools.find((p) => p.generation === g.name && p.field === field) ?? mine.pools[mine.pools.push({ generation: g.name, field, vms: 0 }) - 1]!;
      pool.vms += 1;
      g[cut.field] -= 1;
      spend -= cut.field === 'suspended' ? g.placement.suspendedPricePerHour : g.placement.stoppedPricePerHour;
    }
    return true;
  };
  // Workloads of one priority give together, stage by stage (every pool of the tier before any
  // of its running VMs), one VM from each in turn: one workload was cut to a single running VM
  // while another of the same priority kept a standby pool.
  for (let i = 0; i < workloads.length && over(); ) {
    let j = i;
    while (j < workloads.length && tierOf(workloads[j]!) === tierOf(workloads[i]!)) j++;
    const tier = workloads.slice(i, j).map((w) => ({ w, cuts: cutsOf(w, givesLast) }));
    const stage = (cut: Cut) => (givesLast?.has(cut.generation) ? 10 : 0) + (cut.field === 'stopped' ? 0 : cut.field === 'suspended' ? 1 : cut.generation.weight === 0 ? 2 : 3);
    const ranks = [...new Set(tier.flatMap((t) => t.cuts.map(stage)))].sort((a, b) => a - b);
    for (const rank of ranks) {
      // Each workload gives one VM a round, from its least valuable cut of this stage that has
      // one left: a tier of one workload cuts exactly as that workload alone would.
      let progress = true;
      while (over() && progress) {
        progress = false;
        for (const t of tier) {
          if (!over()) break;
          if (t.cuts.some((cut) => stage(cut) === rank && takeOne(t.w, cut))) progress = true;
        }
      }
      if (!over()) break;
    }
    i = j;
  }
  for (const [g, before] of ranBefore) {
    const now = heldOf(g);
    g.running = Math.min(g.running, now);
    g.minReplicas = Math.min(g.minReplicas, g.running);
    for (const sch of g.scalingSchedules) sch.minRequiredReplicas = Math.min(sch.minRequiredReplicas, g.running);
    if (runningNow) {
      g.maxReplicas = Math.min(g.maxReplicas, now);
      given.get(before.workload)!.capped.push({ generation: g.name, maxReplicas: g.maxReplicas, runningNow: runningNow.get(g.name) ?? 0 });
    }
  }
  return given;
}

/**
 * Fits each generation into its placement's quota, pools first. Returns the VMs removed per
 * generation (a state can be above a quota that the configuration has since lowered).
 */
export function trimToQuota(w: WorkloadPlan): Map<string, number> {
  const given = new Map<string, number>();
  for (const g of w.generations) {
    const quota = g.placement.quotaVms;
    if (quota === undefined) continue;
    for (const field of ['stopped', 'suspended', 'running'] as const) {
      const over = generationVms(g) - quota;
      if (over <= 0) break;
      const k = Math.min(over, g[field]);
      g[field] -= k;
      if (k) given.set(g.name, (given.get(g.name) ?? 0) + k);
    }
    g.minReplicas = Math.min(g.minReplicas, Math.max(g.running, 0));
    for (const sch of g.scalingSchedules) sch.minRequiredReplicas = Math.min(sch.minRequiredReplicas, quota);
  }
  return given;
}

/** Caps each generation's autoscaler so it cannot grow past the workload's VM cap on its own. */
export function capAutoscalers(w: WorkloadPlan, maxVms: number): void {
  for (const g of w.generations) {
    const others = w.generations.filter((o) => o !== g).reduce((s, o) => s + generationVms(o), 0);
    g.maxReplicas = Math.max(g.running, Math.min(g.maxReplicas, maxVms - others - g.suspended - g.stopped));
    g.minReplicas = Math.min(g.minReplicas, g.maxReplicas);
    for (const s of g.scalingSchedules) s.minRequiredReplicas = Math.min(s.minRequiredReplicas, g.maxReplicas);
  }
}

export function guardrailDecision(workload: string, code: string, message: string, numbers: Decision['numbers']): Decision {
  return { workload, code, message, numbers };
}

/**
 * What a serving generation's floors were sized from, kept by the planner beside the plan (not
 * in it: the plan goes to Pulumi), so that a trim can re-derive the floors without the forecast.
 */
export interface SizedFloors {
  /** Per-path floors of the sizing (`Sizing.paths`). */
  paths: PathFloors;
  /** Step times the schedules were written for (the first one no later than the plan's time). */
  stepTimesMs: number[];
  stepMs: number;
  /** The placement's VM limit the floors were clipped to. */
  limit: number;
  /** The pool and the running floor the floors were derived for. */
  suspended: number;
  stopped: number;
  running: number;
}

export interface Refloor {
  /** Pool VMs the floors counted on that the trim removed. */
  removedSuspended: number;
  removedStopped: number;
  /** Forecast steps whose floor rose, the first of them (-1 when none), and the largest rise in VMs. */
  raisedSteps: number;
  firstRaisedStep: number;
  largestRaise: number;
  /** The cap the new floors were clipped to. */
  bound: number;
}

/**
 * After a trim took pool VMs from `g`, the VMs of a rise that would have resumed from them now
 * boot (or start), so the floors ask for them that much earlier: the floors for the pool kept,
 * written back as `g`'s scaling schedules. Only future windows rise: the window that starts now
 * stays at what the trim left running, and no floor goes above the autoscaler's cap, the
 * placement's limit, or a running floor the trim itself cut, so the workload's caps hold when the
 * autoscaler follows a schedule. The total caps bound what runs now: a future window may ask past
 * them, and the tick that reaches it trims and re-checks again. Returns undefined, leaving `g`
 * alone, when no pool VM was removed.
 */
export function refloorAfterTrim(g: GenerationPlan, sized: SizedFloors, nowMs: number): Refloor | undefined {
  const removedSuspended = Math.max(0, sized.suspended - g.suspended);
  const removedStopped = Math.max(0, sized.stopped - g.stopped);
  if (removedSuspended + removedStopped === 0) return undefined;
  // A trim that reached the running floor clipped every schedule to it; that cut stands.
  const bound = Math.min(g.maxReplicas, sized.limit, g.running < sized.running ? g.running : Number.POSITIVE_INFINITY);
  const before = floorsForPool(sized.paths, sized.suspended, sized.stopped).map((f) => Math.min(bound, f));
  const floors = floorsForPool(sized.paths, g.suspended, g.stopped).map((f) => Math.min(bound, f));
  // The window starting now keeps what the trimmed plan holds now: what was running after the
  // trim, or a schedule already in force that asked more.
  let nowCap = g.running;
  for (const s of g.scalingSchedules) {
    const win = scheduleWindow(s, nowMs);
    if (win.startMs <= nowMs && nowMs < win.endMs) nowCap = Math.max(nowCap, win.minRequiredReplicas);
  }
  const first = Math.min(floors.length, scheduleBlockSteps(floors.length, sized.stepMs));
  for (let h = 0; h < first; h++) floors[h] = Math.min(floors[h]!, nowCap);
  let raisedSteps = 0;
  let firstRaisedStep = -1;
  let largestRaise = 0;
  for (let h = 0; h < floors.length; h++) {
    const up = floors[h]! - before[h]!;
    if (up <= 0) continue;
    raisedSteps++;
    if (firstRaisedStep < 0) firstRaisedStep = h;
    largestRaise = Math.max(largestRaise, up);
  }
  g.scalingSchedules = schedulesFromFloors(g.name, sized.stepTimesMs, floors, sized.stepMs);
  return { removedSuspended, removedStopped, raisedSteps, firstRaisedStep, largestRaise, bound };
}
