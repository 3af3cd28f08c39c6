/**
 * The planner: forecast + fleet state + policy + events + prices -> FleetPlan + decisions.
 * Pure: no I/O and no clock (the time comes in as `now`). Same input, same plan.
 *
 * Per workload, each tick:
 * 1. Freeze, or a missing/stale/NaN forecast: the fleet stays as it is (reactive autoscaling keeps
 *    working underneath), with a decision saying why.
 * 2. Failover: an unhealthy serving primary hands its weight at once to the healthiest shadow.
 * 3. Sizing by cost (planner/sizing.ts): running floor at the newsvendor quantile, standby pool
 *    by expected value, scaling schedules that carry the floors between ticks.
 * 4. Lifecycle of shadows: a successor when the primary no longer fits (new template, cheaper
 *    placement, growth past its quota), an overflow shadow when the contention probability is
 *    above the threshold; both go standby -> warming -> active; an old primary drains and is
 *    retired only after its successor served at full weight for drainSec.
 * 5. Guardrails: weight step per tick, VMs and spend per workload, then in total by priority. A
 *    trim that takes pool VMs a sized generation's floors counted on moves their floors a boot
 *    ahead (future windows only, within the generation's autoscaler cap; the total caps are
 *    checked on what runs now, so a future window may ask past them and the re-check of the
 *    tick that reaches it decides).
 */
import type { QuantileForecast } from '../forecaster/types';
import type { ShadowscaleConfig, WorkloadConfig, PlacementConfig } from './config-types';
import type { Decision, FleetPlan, FleetState, GenerationPlan, GenerationStatus, Placement, WorkloadPlan } from './fleet-plan';
import { inputError } from './errors';
import { checkPlannerConfig } from './validate';
import { viewForecast, type ForecastStep } from './planner/forecast-view';
import { contentionProbability, floorsForPool, sizeGeneration, vmsFor, type Sizing } from './planner/sizing';
import { schedulesFromFloors } from './planner/schedules';
import { criticalRatio, expectedExcess, quantileAt } from './planner/quantiles';
import { capAutoscalers, heldTotals, refloorAfterTrim, trimHeldToCaps, trimToCaps, trimToQuota, workloadSpendPerHour, workloadVms, type SizedFloors } from './planner/guardrails';

export type PlannerConfig = Pick<ShadowscaleConfig, 'workloads' | 'events' | 'totalGuardrails' | 'quantiles'>;

export interface PlannerInput {
  /** ISO time of this tick (from the injected clock). */
  now: string;
  config: PlannerConfig;
  forecasts: Record<string, QuantileForecast | undefined>;
  state: FleetState;
  /**
   * A forecast describing the world longer ago than this is not used. Default 30 min. Per
   * workload when their history steps differ (the run loop allows a few steps of lag).
   */
  forecastMaxAgeMs?: number | Record<string, number>;
  /** Time until the next tick (how long a pool must last before the planner can refill it). Default 15 min. */
  tickMs?: number;
  /**
   * The last plan applied, for what the state does not carry (schedules, minReplicas). Optional:
   * without it the planner derives what it can from the state (mirroring from `warming`, a
   * serving floor of one VM, template versions when the state reports them) and says when it
   * cannot.
   */
  previous?: FleetPlan;
}

export interface PlannerResult {
  plan: FleetPlan;
  decisions: Decision[];
}

export const DEFAULT_FORECAST_MAX_AGE_MS = 30 * 60_000;
export const DEFAULT_TICK_MS = 15 * 60_000;
/** Warming traffic share, per mille: the seeds' "few percent" canary. */
export const WARMING_WEIGHT = 50;
/** Per-VM load of a warming shadow may differ this much (relative) from the primary's. */
export const LOAD_DELTA_TOLERANCE = 0.25;

interface Ctx {
  nowMs: number;
  now: string;
  maxAgeMs: number | Record<string, number>;
  tickMs: number;
  config: PlannerConfig;
  previous?: FleetPlan;
  decisions: Decision[];
  /**
   * What each serving generation's floors were sized from, for re-deriving them when a guardrail
   * trims its pool. Kept here rather than on the plan, whose shape goes to Pulumi.
   */
  sized: Map<GenerationPlan, SizedFloors>;
  /** Replacements readied for a failed primary: the guardrails take their pool last. */
  replacements: Set<GenerationPlan>;
}

export function planFleet(input: PlannerInput): PlannerResult {
  const nowMs = Date.parse(input.now);
  if (!Number.isFinite(nowMs)) throw inputError('input.planner-now', { field: 'now' }, `expected an ISO time, got "${input.now}"`);
  // Settings that can never give a valid plan are rejected here too, not only at load time, so
  // no caller can plan (and apply) from them.
  checkPlannerConfig(input.config);
  const ctx: Ctx = {
    nowMs,
    now: new Date(nowMs).toISOString(),
    maxAgeMs: input.forecastMaxAgeMs ?? DEFAULT_FORECAST_MAX_AGE_MS,
    tickMs: input.tickMs ?? DEFAULT_TICK_MS,
    config: input.config,
    previous: input.previous,
    decisions: [],
    sized: new Map(),
    replacements: new Set(),
  };
  const workloads: WorkloadPlan[] = [];
  for (const w of input.config.workloads) {
    const status = input.state.workloads.find((s) => s.workload === w.name)?.generations ?? [];
    workloads.push(planWorkload(w, status, input.forecasts[w.name], ctx));
  }
  applyTotalGuardrails(workloads, ctx, input.state);
  return { plan: { version: 1, createdAt: ctx.now, workloads }, decisions: ctx.decisions };
}

// ---------------------------------------------------------------------------------------------

/** The forecast age limit of one workload (one limit for all, or per workload). */
function maxAgeFor(limit: number | Record<string, number> | undefined, workload: string): number {
  return typeof limit === 'number' ? limit : limit?.[workload] ?? DEFAULT_FORECAST_MAX_AGE_MS;
}

function decide(ctx: Ctx, workload: string, code: string, message: string, numbers: Decision['numbers'] = {}, generation?: string): void {
  ctx.decisions.push(generation ? { workload, code, message, numbers, generation } : { workload, code, message, numbers });
}

function toPlacement(p: PlacementConfig): Placement {
  const out: Placement = { id: p.id, region: p.region, machineType: p.machineType, pricePerHour: p.pricePerHour, suspendedPricePerHour: p.suspendedPricePerHour, stoppedPricePerHour: p.stoppedPricePerHour };
  if (p.zone !== undefined) out.zone = p.zone;
  if (p.quotaVms !== undefined) out.quotaVms = p.quotaVms;
  return out;
}

function previousGeneration(ctx: Ctx, workload: string, name: string): GenerationPlan | undefined {
  return ctx.previous?.workloads.find((w) => w.workload === workload)?.generations.find((g) => g.name === name);
}

/** The plan of a generation exactly as the state reports it (used to hold and as a start). */
function fromStatus(w: WorkloadConfig, s: GenerationStatus, ctx: Ctx): GenerationPlan {
  const prev = previousGeneration(ctx, w.name, s.name);
  const placementConfig = w.placements.find((p) => p.id === s.placementId);
  const placement = placementConfig ? toPlacement(placementConfig) : prev?.placement ?? { id: s.placementId, region: w.region, machineType: 'unknown', pricePerHour: 0, suspendedPricePerHour: 0, stoppedPricePerHour: 0 };
  const maxReplicas = maxReplicasOf(w, placement);
  // The state's own version wins over the previous plan's: it is what actually runs.
  const template = s.templateVersion !== undefined ? { ...(prev?.instanceTemplate ?? templateOf(w, placement)), version: s.templateVersion } : prev?.instanceTemplate ?? templateOf(w, placement);
  return {
    name: s.name,
    role: s.role,
    state: s.state,
    placement,
    instanceTemplate: template,
    // A generation that carries traffic or warms keeps at least one VM whatever the autoscaler sees.
    minReplicas: prev?.minReplicas ?? Math.min(maxReplicas, s.weight > 0 || s.state === 'warming' ? 1 : 0),
    maxReplicas,
    targetUtilization: w.targetUtilization,
    // A hold keeps the floor the last plan set; the autoscaler's count would pin it as a floor.
    running: s.plannedRunning ?? s.running,
    suspended: s.suspended,
    stopped: s.stopped,
    scalingSchedules: prev?.scalingSchedules.map((x) => ({ ...x })) ?? [],
    weight: s.weight,
    // Warming is the mirrored state (see the lifecycle in DESIGN.md).
    mirror: prev?.mirror ?? s.state === 'warming',
    since: s.since,
  };
}

function templateOf(w: WorkloadConfig, placement: Placement): GenerationPlan['instanceTemplate'] {
  const t: GenerationPlan['instanceTemplate'] = { machineType: placement.machineType, image: w.image, version: w.templateVersion };
  if (w.startupScript !== undefined) t.startupScript = w.startupScript;
  return t;
}

function maxReplicasOf(w: WorkloadConfig, p: Placement): number {
  return Math.max(0, Math.min(p.quotaVms ?? Number.POSITIVE_INFINITY, w.guardrails.maxVms));
}

function nextGenerationName(workload: string, existing: readonly string[]): string {
  let n = 0;
  for (const name of existing) {
    const m = new RegExp(`^${workload.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-g(\\d+)$`).exec(name);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return `${workload}-g${Math.max(n, existing.length) + 1}`;
}

function newGeneration(w: WorkloadConfig, name: string, role: GenerationPlan['role'], state: GenerationPlan['state'], placement: Placement, ctx: Ctx): GenerationPlan {
  return {
    name, role, state, placement,
    instanceTemplate: templateOf(w, placement),
    minReplicas: 0,
    maxReplicas: maxReplicasOf(w, placement),
    targetUtilization: w.targetUtilization,
    running: 0, suspended: 0, stopped: 0,
    scalingSchedules: [],
    weight: 0, mirror: false, since: ctx.now,
  };
}

function setState(g: GenerationPlan, state: GenerationPlan['state'], ctx: Ctx): void {
  if (g.state !== state) {
    g.state = state;
    g.since = ctx.now;
  }
}

// ---------------------------------------------------------------------------------------------

function planWorkload(w: WorkloadConfig, status: GenerationStatus[], forecast: QuantileForecast | undefined, ctx: Ctx): WorkloadPlan {
  const sorted = [...status].sort((a, b) => a.name.localeCompare(b.name));
  const unknownTemplates = sorted.filter((s) => s.templateVersion === undefined && !previousGeneration(ctx, w.name, s.name)).map((s) => s.name);
  if (unknownTemplates.length) {
    decide(ctx, w.name, 'state.template-unknown', `the fleet state reports no template version for ${unknownTemplates.join(', ')} and no previous plan names one: they are taken to run the configured ${w.templateVersion}, so a template change made since would not start a migration`, { generations: unknownTemplates.join(','), assumed: w.templateVersion });
  }
  const gens = sorted.map((s) => fromStatus(w, s, ctx));
  const statusOf = new Map(sorted.map((s) => [s.name, s]));
  const plan: WorkloadPlan = { workload: w.name, region: w.region, port: w.port, healthCheckPath: w.healthCheckPath, generations: gens };
  if (w.project !== undefined) plan.project = w.project;

  if (gens.length === 0) {
    const g = newGeneration(w, nextGenerationName(w.name, []), 'primary', 'active', toPlacement(w.placements[0]), ctx);
    g.weight = 1000;
    g.minReplicas = 1;
    g.running = 1;
    gens.push(g);
    decide(ctx, w.name, 'generation.create-primary', `no generation exists: create ${g.name} in ${g.placement.id} at full weight`, { placement: g.placement.id }, g.name);
  }

  if (w.guardrails.freeze) {
    decide(ctx, w.name, 'hold.freeze', 'guardrails.freeze is set: the fleet stays exactly as it is', {});
    return plan;
  }

  const maxAgeMs = maxAgeFor(ctx.maxAgeMs, w.name);
  const view = viewForecast(w.name, forecast, ctx.nowMs, maxAgeMs, ctx.config.events);
  // Holding keeps every count, weight and schedule, but each autoscaler goes back to the
  // configured target (fromStatus): without a forecast, plain reactive scaling is the floor.
  if (!view.ok) {
    decide(ctx, w.name, view.code, view.message, view.numbers);
    const held = gens.find((g) => g.role === 'primary' && g.state !== 'draining') ?? [...gens].sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name))[0];
    const { primary: serving, failover } = failOver(w, gens, held, statusOf, ctx);
    if (!failover && held.weight > 0 && statusOf.get(held.name)?.healthy === false) {
      // A dead primary often stops its own metrics, which is what holds the plan: the
      // replacement is readied all the same, its pool the size the primary runs (no forecast).
      const shadows = gens.filter((g) => g !== held && g.state !== 'draining');
      prepareReplacement(w, held, shadows, gens, statusOf, Math.max(1, statusOf.get(held.name)?.running ?? held.running), ctx);
    }
    if (failover) {
      // No forecast to size it: the new primary resumes its whole pool, which is what it is for.
      const st = statusOf.get(serving.name);
      const pool = (st?.suspended ?? serving.suspended) + (st?.stopped ?? serving.stopped);
      serving.running = Math.max(serving.running, (st?.running ?? 0) + pool);
      serving.minReplicas = Math.min(serving.maxReplicas, Math.max(serving.minReplicas, serving.running));
      serving.suspended = 0;
      serving.stopped = 0;
    }
    // Guardrails still hold: a fleet found above its caps is trimmed, pools first.
    applyWorkloadGuardrails(w, plan, ctx);
    gens.sort((a, b) => a.name.localeCompare(b.name));
    return plan;
  }
  if (view.events.length) decide(ctx, w.name, 'forecast.event', `events raise the forecast: ${view.events.join(', ')}`, { events: view.events.join(',') });

  let primary = gens.find((g) => g.role === 'primary' && g.state !== 'draining') ?? [...gens].sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name))[0];
  primary.role = 'primary';

  const cap = w.signals[0].capacityPerVm;
  const qStar = quantileTarget(w, primary.placement).q;
  const sizing = sizeGeneration({
    steps: view.steps, stepMs: view.stepMs, capacityPerVm: cap, qStar, latencies: w.latencies, tickMs: ctx.tickMs,
    pricePerHour: primary.placement.pricePerHour, suspendedPricePerHour: primary.placement.suspendedPricePerHour,
    stoppedPricePerHour: primary.placement.stoppedPricePerHour, penaltyPerVmHour: w.unservedPenaltyPerVmHour,
    configuredUtilization: w.targetUtilization,
    // The serving pool may sit on the successor (migration) or move with a failover: any serving generation's counts.
    poolHeld: gens.some((g) => g.state !== 'draining' && g.state !== 'standby' && holdsPool(g, previousGeneration(ctx, w.name, g.name))),
  });
  const demandNow = sizing.demandAtQ[0];

  // --- failover --------------------------------------------------------------------------
  const failed = failOver(w, gens, primary, statusOf, ctx);
  primary = failed.primary;
  const failover = failed.failover;
  // Unhealthy with nothing healthy to fail over to: prepare a replacement instead of waiting.
  const primaryDown = !failover && primary.weight > 0 && statusOf.get(primary.name)?.healthy === false;

  // --- retire drained generations --------------------------------------------------------
  for (const g of [...gens]) {
    if (g.state !== 'draining' || g === primary) continue;
    const drainedMs = ctx.nowMs - Date.parse(g.since);
    const successorFull = primary.weight === 1000 && (statusOf.get(primary.name)?.weight ?? 0) === 1000;
    if (g.weight === 0 && successorFull && drainedMs >= w.guardrails.drainSec * 1000) {
      gens.splice(gens.indexOf(g), 1);
      decide(ctx, w.name, 'generation.retire', `${g.name} drained for ${Math.round(drainedMs / 1000)} s while ${primary.name} served at full weight (drain ${w.guardrails.drainSec} s): retire it`, { drainedSec: Math.round(drainedMs / 1000), drainSec: w.guardrails.drainSec, successor: primary.name }, g.name);
    } else {
      g.weight = 0;
      g.running = 0;
      g.minReplicas = 0;
      g.suspended = 0;
      g.stopped = 0;
      g.scalingSchedules = [];
      g.mirror = false;
    }
  }

  const primaryCapVms = maxReplicasOf(w, primary.placement);
  const peakNeed = Math.max(...sizing.floors);

  // --- migration: does the primary still fit? ---------------------------------------------
  const migration = failover || primaryDown ? undefined : migrationTarget(w, primary, peakNeed, primaryCapVms);
  const shadows = gens.filter((g) => g !== primary && g.state !== 'draining');
  if (migration) {
    let successor = shadows.find((g) => g.placement.id === migration.placement.id && g.instanceTemplate.version === w.templateVersion);
    if (!successor) {
      successor = newGeneration(w, nextGenerationName(w.name, gens.map((g) => g.name)), 'shadow', 'standby', migration.placement, ctx);
      gens.push(successor);
      decide(ctx, w.name, 'migrate.create-successor', `${migration.reason}: create ${successor.name} in ${migration.placement.id} in standby`, { ...migration.numbers, placement: migration.placement.id }, successor.name);
    }
    advanceSuccessor(w, primary, successor, statusOf, sizing, demandNow, cap, ctx);
    if (successor.weight >= 1000) {
      successor.role = 'primary';
      primary.role = 'shadow';
      setState(primary, 'draining', ctx);
      decide(ctx, w.name, 'migrate.takeover', `${successor.name} now serves at full weight: ${primary.name} drains for ${w.guardrails.drainSec} s before it is retired`, { drainSec: w.guardrails.drainSec }, successor.name);
    }
    for (const g of shadows) if (g !== successor) standDown(w, g, statusOf, ctx, 'a migration is in progress');
    sizeServing(w, [primary, successor], sizing, cap, primaryCapVms, ctx, 'migration');
  } else if (primaryDown) {
    sizeServing(w, [primary], sizing, cap, primaryCapVms, ctx, 'steady');
    prepareReplacement(w, primary, shadows, gens, statusOf, sizing.floorNow, ctx);
  } else {
    const contention = contentionProbability(view.steps, primaryCapVms * cap);
    planOverflow(w, primary, shadows, gens, statusOf, sizing, contention, primaryCapVms, cap, view.steps, ctx);
  }

  const serving = gens.find((g) => g.role === 'primary' && g.state !== 'draining') ?? primary;
  balanceWeights(w, gens, serving, statusOf, failover, ctx);
  applyWorkloadGuardrails(w, plan, ctx);
  gens.sort((a, b) => a.name.localeCompare(b.name));
  return plan;
}

/** The workload's VM and spend caps, and autoscalers that cannot grow past them. */
function applyWorkloadGuardrails(w: WorkloadConfig, plan: WorkloadPlan, ctx: Ctx): void {
  for (const [name, n] of trimToQuota(plan)) {
    const g = plan.generations.find((x) => x.name === name)!;
    decide(ctx, w.name, 'guardrail.quota', `${name} holds more VMs than the quota of ${g.placement.quotaVms} in ${g.placement.id}: ${n} VMs trimmed, pools first`, { quotaVms: g.placement.quotaVms ?? 0, trimmed: n }, name);
  }
  const before = { vms: workloadVms(plan), spend: workloadSpendPerHour(plan) };
  const given = trimToCaps([plan], w.guardrails.maxVms, w.guardrails.maxSpendPerHour, ctx.replacements);
  if (given.size) {
    decide(ctx, w.name, 'guardrail.workload', `the plan asked for ${before.vms} VMs at ${before.spend.toFixed(2)}/h, above the workload's caps (${w.guardrails.maxVms} VMs, ${w.guardrails.maxSpendPerHour}/h): ${given.get(w.name)} VMs trimmed, pools first`, { vms: before.vms, spendPerHour: round(before.spend), maxVms: w.guardrails.maxVms, maxSpendPerHour: w.guardrails.maxSpendPerHour, trimmed: given.get(w.name) ?? 0 });
  }
  capAutoscalers(plan, w.guardrails.maxVms);
  refloorTrimmed(plan, ctx, 'the workload guardrails');
}

/**
 * The floors of a sized generation counted on its pool for the first VMs of a rise; a trim that
 * took pool VMs leaves those VMs to boot, so their floors move a boot ahead (future windows only).
 */
function refloorTrimmed(plan: WorkloadPlan, ctx: Ctx, by: string): void {
  for (const g of plan.generations) {
    const sized = ctx.sized.get(g);
    if (!sized) continue;
    const r = refloorAfterTrim(g, sized, ctx.nowMs);
    if (!r) continue;
    // A later trim compares with what this one left.
    sized.suspended = g.suspended;
    sized.stopped = g.stopped;
    const removed = r.removedSuspended + r.removedStopped;
    const from = r.firstRaisedStep >= 0 ? new Date(sized.stepTimesMs[r.firstRaisedStep]!).toISOString() : '';
    decide(ctx, plan.workload, 'guardrail.floors-rebooted', `${by} took ${removed} of ${g.name}'s pool VMs (${r.removedSuspended} suspended, ${r.removedStopped} stopped; ${g.suspended} + ${g.stopped} kept): the VMs of a rise beyond the kept pool boot instead of resuming, so ${r.raisedSteps ? `${r.raisedSteps} future step(s) from ${from} ask up to ${r.largestRaise} more VMs a boot ahead (never above ${r.bound})` : `no future floor rises: they already lead by the boot or are held at the cap of ${r.bound} VMs`}; running now stays ${g.running}`, {
      removedSuspended: r.removedSuspended, removedStopped: r.removedStopped, keptSuspended: g.suspended, keptStopped: g.stopped,
      raisedSteps: r.raisedSteps, firstRaisedAt: from, largestRaise: r.largestRaise, bound: r.bound, running: g.running,
    }, g.name);
  }
}

function generationCount(s: GenerationStatus | undefined): number {
  return s ? s.running + s.suspended + s.stopped : 0;
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

interface MigrationTarget {
  placement: Placement;
  reason: string;
  numbers: Decision['numbers'];
}

function migrationTarget(w: WorkloadConfig, primary: GenerationPlan, peakNeed: number, primaryCapVms: number): MigrationTarget | undefined {
  const fits = w.placements
    .map(toPlacement)
    .filter((p) => maxReplicasOf(w, p) >= peakNeed)
    .sort((a, b) => a.pricePerHour - b.pricePerHour || a.id.localeCompare(b.id));
  if (primary.instanceTemplate.version !== w.templateVersion) {
    const same = fits.find((p) => p.id === primary.placement.id);
    const placement = same ?? fits[0] ?? primary.placement;
    return { placement, reason: `template version ${primary.instanceTemplate.version} of ${primary.name} differs from the configured ${w.templateVersion}`, numbers: { from: primary.instanceTemplate.version, to: w.templateVersion } };
  }
  const cheapest = fits[0];
  if (cheapest && cheapest.id !== primary.placement.id && cheapest.pricePerHour < primary.placement.pricePerHour) {
    return { placement: cheapest, reason: `${cheapest.id} fits the forecast peak of ${peakNeed} VMs at ${cheapest.pricePerHour}/h per VM, cheaper than ${primary.placement.id} at ${primary.placement.pricePerHour}/h`, numbers: { peakNeed, price: cheapest.pricePerHour, currentPrice: primary.placement.pricePerHour } };
  }
  if (peakNeed > primaryCapVms && cheapest && cheapest.id !== primary.placement.id) {
    return { placement: cheapest, reason: `the forecast peak of ${peakNeed} VMs exceeds ${primary.name}'s limit of ${primaryCapVms}; ${cheapest.id} holds it`, numbers: { peakNeed, primaryCapVms } };
  }
  return undefined;
}

/** standby -> warming -> active with a weight that ramps to 1000 (make before break). */
function advanceSuccessor(w: WorkloadConfig, primary: GenerationPlan, s: GenerationPlan, statusOf: Map<string, GenerationStatus>, sizing: Sizing, demandNow: number, cap: number, ctx: Ctx): void {
  const st = statusOf.get(s.name);
  const readyVms = st && st.healthy ? st.running : 0;
  if (s.state === 'standby') {
    if (st) {
      setState(s, 'warming', ctx);
      s.mirror = true;
      decide(ctx, w.name, 'shadow.warm', `${s.name} exists in standby: start its VMs and mirror traffic to it before it takes any weight`, { running: sizing.floorNow }, s.name);
    } else {
      decide(ctx, w.name, 'shadow.standby', `${s.name} is created in standby with a pool to resume from`, { suspended: sizing.floorNow }, s.name);
    }
    return;
  }
  if (s.state === 'warming') {
    if (readyVms <= 0) {
      decide(ctx, w.name, 'shadow.hold-unready', `${s.name} has no healthy running VM yet: it takes no weight`, { running: st?.running ?? 0, healthy: String(st?.healthy ?? false) }, s.name);
      return;
    }
    const delta = loadDelta(statusOf.get(primary.name), st);
    if (delta !== undefined && delta > LOAD_DELTA_TOLERANCE) {
      decide(ctx, w.name, 'shadow.hold-load-delta', `${s.name}'s per-VM load differs from ${primary.name}'s by ${(delta * 100).toFixed(0)} % at the same weight (tolerance ${LOAD_DELTA_TOLERANCE * 100} %): hold it back`, { loadDelta: round(delta), tolerance: LOAD_DELTA_TOLERANCE }, s.name);
      return;
    }
    if ((st?.weight ?? 0) === 0) {
      s.weight = Math.min(WARMING_WEIGHT, w.guardrails.maxWeightStepPerTick);
      decide(ctx, w.name, 'shadow.canary', `${s.name} is healthy with ${readyVms} VMs: it takes ${s.weight / 10} % of traffic`, { weight: s.weight, readyVms }, s.name);
      return;
    }
    setState(s, 'active', ctx);
    s.mirror = false;
  }
  // active: ramp up, but never beyond what its healthy VMs can carry.
  const carry = demandNow > 0 ? Math.floor((1000 * readyVms * cap) / demandNow + 1e-6) : 1000;
  const target = Math.min(1000, (st?.weight ?? s.weight) + w.guardrails.maxWeightStepPerTick, Math.max(carry, st?.weight ?? 0));
  s.weight = Math.max(s.weight, target);
  decide(ctx, w.name, 'weight.shift', `${s.name} takes ${s.weight} of 1000 (step limit ${w.guardrails.maxWeightStepPerTick}, its ${readyVms} healthy VMs carry ${Math.min(1000, carry)})`, { weight: s.weight, carry: Math.min(1000, carry), step: w.guardrails.maxWeightStepPerTick }, s.name);
}

function loadDelta(p: GenerationStatus | undefined, s: GenerationStatus | undefined): number | undefined {
  if (!p || !s || p.loadPerVm === undefined || s.loadPerVm === undefined) return undefined;
  if (p.weight <= 0 || s.weight <= 0 || p.running <= 0 || s.running <= 0) return undefined;
  // Load per unit of weight per VM: equal when both generations serve the same requests alike.
  const perP = (p.loadPerVm * p.running) / p.weight;
  const perS = (s.loadPerVm * s.running) / s.weight;
  if (perP <= 0) return undefined;
  return Math.abs(perS / perP - 1);
}

/** A shadow no longer needed: weight down (gradually), then standby; pool kept. */
function standDown(w: WorkloadConfig, g: GenerationPlan, statusOf: Map<string, GenerationStatus>, ctx: Ctx, why: string): void {
  const current = statusOf.get(g.name)?.weight ?? g.weight;
  g.weight = Math.max(0, current - w.guardrails.maxWeightStepPerTick);
  g.mirror = false;
  g.scalingSchedules = [];
  if (g.weight === 0) {
    if (g.state !== 'standby') decide(ctx, w.name, 'shadow.standby', `${g.name} goes back to standby: ${why}`, {}, g.name);
    setState(g, 'standby', ctx);
    g.running = 0;
    g.minReplicas = 0;
  } else {
    decide(ctx, w.name, 'weight.shift', `${g.name} gives back weight (now ${g.weight}): ${why}`, { weight: g.weight }, g.name);
  }
}

function planOverflow(
  w: WorkloadConfig, primary: GenerationPlan, shadows: GenerationPlan[], gens: GenerationPlan[], statusOf: Map<string, GenerationStatus>,
  sizing: Sizing, contention: { probability: number; firstStep: number }, primaryCapVms: number, cap: number, steps: ForecastStep[], ctx: Ctx,
): void {
  const stepMs = sizing.stepMs;
  const overflowFloors = sizing.floors.map((f) => Math.max(0, f - primaryCapVms));
  const overflowPeak = Math.max(0, ...overflowFloors);
  const overflowUpper = Math.max(0, sizing.upperVms - primaryCapVms);
  const numbers = { contentionProbability: round(contention.probability), threshold: w.contentionThreshold, primaryCapacity: primaryCapVms * cap, primaryCapVms };
  const penaltyAvoidedPerHour = (w.unservedPenaltyPerVmHour * steps.reduce((s, st) => s + expectedExcess(st.points, primaryCapVms * cap), 0)) / cap / steps.length;

  if (contention.probability >= w.contentionThreshold) {
    let shadow = shadows.find((g) => g.role === 'shadow');
    if (!shadow) {
      const placement = shadowPlacement(w, primary);
      if (!placement) {
        decide(ctx, w.name, 'shadow.no-placement', `contention probability ${(contention.probability * 100).toFixed(1)} % is above ${(w.contentionThreshold * 100).toFixed(0)} % but no other placement with quota is configured`, numbers);
      } else {
        shadow = newGeneration(w, nextGenerationName(w.name, gens.map((g) => g.name)), 'shadow', 'standby', placement, ctx);
        gens.push(shadow);
        decide(ctx, w.name, 'shadow.create', `demand may exceed ${primary.name}'s capacity of ${primaryCapVms} VMs with probability ${(contention.probability * 100).toFixed(1)} % (threshold ${(w.contentionThreshold * 100).toFixed(0)} %): create ${shadow.name} in ${placement.id} in standby`, { ...numbers, placement: placement.id }, shadow.name);
      }
    }
    if (shadow) {
      const st = statusOf.get(shadow.name);
      const crossingMs = contention.firstStep >= 0 ? contention.firstStep * stepMs : Number.POSITIVE_INFINITY;
      const soonMs = (w.latencies.resumeSec + w.latencies.bootSec) * 1000 + ctx.tickMs;
      shadow.suspended = Math.min(maxReplicasOf(w, shadow.placement), Math.max(1, overflowUpper));
      shadow.stopped = 0;
      if (shadow.state === 'standby' && st && crossingMs <= soonMs) {
        setState(shadow, 'warming', ctx);
        shadow.mirror = true;
        decide(ctx, w.name, 'shadow.warm', `demand is predicted to cross ${primary.name}'s capacity in ${Math.round(crossingMs / 60000)} min (within resume + boot + tick = ${Math.round(soonMs / 60000)} min): warm ${shadow.name}`, { ...numbers, crossingMin: Math.round(crossingMs / 60000) }, shadow.name);
      } else if (shadow.state === 'warming' || shadow.state === 'active') {
        advanceSuccessor(w, primary, shadow, statusOf, sizing, sizing.demandAtQ[0], cap, ctx);
        // An overflow shadow's share follows its capacity, not 1000.
        const shadowVms = Math.max(1, overflowFloors[0]);
        const share = Math.floor((1000 * shadowVms) / (shadowVms + primaryCapVms));
        if (shadow.state === 'active') shadow.weight = Math.min(shadow.weight, Math.max(share, WARMING_WEIGHT));
      }
      if (shadow.state === 'warming' || shadow.state === 'active') {
        const shadowFloors = overflowFloors.map((f) => Math.max(f, shadow!.state === 'warming' ? Math.max(1, Math.ceil(0.05 * overflowPeak)) : f));
        shadow.running = Math.min(maxReplicasOf(w, shadow.placement), shadowFloors[0]);
        shadow.minReplicas = shadow.weight > 0 ? 1 : 0;
        shadow.scalingSchedules = schedulesFromFloors(shadow.name, steps.map((s) => s.timeMs), shadowFloors, stepMs);
      }
    }
  } else {
    for (const g of shadows) {
      if (g.role !== 'shadow') continue;
      standDown(w, g, statusOf, ctx, `contention probability ${(contention.probability * 100).toFixed(1)} % is below ${(w.contentionThreshold * 100).toFixed(0)} %`);
      const keepCost = g.suspended * g.placement.suspendedPricePerHour + g.stopped * g.placement.stoppedPricePerHour;
      const standbyMs = ctx.nowMs - Date.parse(g.since);
      if (g.state === 'standby' && keepCost > penaltyAvoidedPerHour && standbyMs >= w.guardrails.drainSec * 1000) {
        gens.splice(gens.indexOf(g), 1);
        decide(ctx, w.name, 'shadow.remove', `${g.name}'s pool costs ${keepCost.toFixed(2)}/h and avoids an expected ${penaltyAvoidedPerHour.toFixed(2)}/h of shortfall: remove it`, { keepCostPerHour: round(keepCost), avoidedPerHour: round(penaltyAvoidedPerHour), ...numbers }, g.name);
      }
    }
  }
  sizeServing(w, [primary], sizing, cap, primaryCapVms, ctx, 'steady');
}

/**
 * An unhealthy primary with no healthy shadow to take its weight (failOver found none): a
 * standby generation in another placement gets a pool of the serving floor, so that once its VMs
 * exist the next tick's failover moves the weight to it and it resumes them (a standby generation
 * with a pool counts as healthy). A shadow not known to be unhealthy is used rather than a
 * second one; an unhealthy one is not, and its placement is avoided. The primary keeps serving
 * meanwhile (its autohealer may bring it back first) but holds no pool: VMs resumed into a failed
 * group are the replacement's to hold. The guardrails take the replacement's pool last.
 */
function prepareReplacement(w: WorkloadConfig, primary: GenerationPlan, shadows: GenerationPlan[], gens: GenerationPlan[], statusOf: Map<string, GenerationStatus>, floor: number, ctx: Ctx): void {
  primary.suspended = 0;
  primary.stopped = 0;
  // Placements where a group is failing now (a draining one too) may share its cause.
  const failing = new Set(gens.filter((g) => g !== primary && statusOf.get(g.name)?.healthy === false).map((g) => g.placement.id));
  let replacement = shadows.find((g) => g.state !== 'draining' && statusOf.get(g.name)?.healthy !== false);
  if (!replacement) {
    const placement = shadowPlacement(w, primary, failing);
    if (!placement) {
      decide(ctx, w.name, 'failover.no-placement', `${primary.name} is unhealthy and no other placement with quota is configured for a replacement: it keeps serving`, { floor: floor }, primary.name);
      return;
    }
    replacement = newGeneration(w, nextGenerationName(w.name, gens.map((g) => g.name)), 'shadow', 'standby', placement, ctx);
    gens.push(replacement);
  }
  const pool = Math.min(maxReplicasOf(w, replacement.placement), floor);
  if (replacement.state === 'standby') {
    replacement.running = 0;
    replacement.minReplicas = 0;
    replacement.scalingSchedules = [];
  }
  replacement.suspended = replacement.state === 'standby' ? pool : Math.max(replacement.suspended, pool);
  replacement.mirror = false;
  ctx.replacements.add(replacement);
  decide(ctx, w.name, 'failover.prepare-replacement', `${primary.name} is unhealthy and no healthy shadow can take its weight: ${replacement.name} in ${replacement.placement.id} is asked a pool of ${replacement.suspended} VMs (the serving floor is ${floor}; caps take it last), and the weight moves to it once it is healthy`, { pool: replacement.suspended, floor: floor, placement: replacement.placement.id }, replacement.name);
}

/** The cheapest placement apart from the primary's (and from `avoid`) with room for a VM. */
function shadowPlacement(w: WorkloadConfig, primary: GenerationPlan, avoid: ReadonlySet<string> = new Set()): Placement | undefined {
  const apart = (p: PlacementConfig) => p.id !== primary.placement.id && !avoid.has(p.id) && (p.zone === undefined || p.zone !== primary.placement.zone);
  return w.placements
    .filter((p) => apart(p) && maxReplicasOf(w, toPlacement(p)) > 0)
    .map(toPlacement)
    .sort((a, b) => a.pricePerHour - b.pricePerHour || a.id.localeCompare(b.id))[0];
}

/** Floors, schedules and pool for the generations that serve the workload's base demand. */
function sizeServing(w: WorkloadConfig, serving: GenerationPlan[], sizing: Sizing, cap: number, primaryCapVms: number, ctx: Ctx, mode: 'steady' | 'migration'): void {
  // The pool belongs to the generation that will carry the load next: the successor once it
  // warms, the primary otherwise. Both keep the full floor while a migration runs, so serving
  // capacity never drops below the quantile whatever the split.
  const poolOwner = serving.length > 1 && serving[1].state !== 'standby' ? serving[1] : serving[0];
  for (const g of serving) {
    if (g.state === 'draining') continue;
    const limit = maxReplicasOf(w, g.placement);
    if (g.state === 'standby') {
      g.running = 0;
      g.minReplicas = 0;
      g.scalingSchedules = [];
      g.suspended = Math.min(limit, sizing.floorNow);
      g.stopped = 0;
      continue;
    }
    let floors = sizing.floors.map((f) => Math.min(limit, f));
    g.running = floors[0];
    if (g === poolOwner) {
      // The pool fits in what the floor leaves under the VM limit. VMs of a rise beyond the pool
      // actually kept boot instead of resuming, so when less is kept the floors ask for them
      // that much earlier (and the room is taken again).
      let room = Math.max(0, limit - g.running);
      let suspended = Math.min(room, sizing.pool.suspended);
      let stopped = Math.min(room - suspended, sizing.pool.stopped);
      if (suspended + stopped < sizing.pool.suspended + sizing.pool.stopped) {
        floors = floorsForPool(sizing.paths, suspended, stopped).map((f) => Math.min(limit, f));
        g.running = floors[0];
        room = Math.max(0, limit - g.running);
        suspended = Math.min(room, suspended);
        stopped = Math.min(room - suspended, stopped);
      }
      g.suspended = suspended;
      g.stopped = stopped;
    } else {
      g.suspended = 0;
      g.stopped = 0;
    }
    g.targetUtilization = sizing.targetUtilization;
    g.minReplicas = g.weight > 0 || g.state === 'warming' ? Math.min(1, limit) : 0;
    // The first window starts now even when the forecast's first step is a little later, so
    // no gap is left with only minReplicas.
    const times = sizing.stepTimesMs.map((t, h) => (h === 0 ? Math.min(t, ctx.nowMs) : t));
    g.scalingSchedules = schedulesFromFloors(g.name, times, floors, sizing.stepMs);
    ctx.sized.set(g, { paths: sizing.paths, stepTimesMs: times, stepMs: sizing.stepMs, limit, suspended: g.suspended, stopped: g.stopped, running: g.running });
  }
  const owner = poolOwner;
  const target = quantileTarget(w, owner.placement);
  decide(ctx, w.name, 'size.floor', `${owner.name}: running floor ${owner.running} VMs covers the ${(target.q * 100).toFixed(1)} % quantile of demand (${sizing.demandAtQ[0].toFixed(2)} now, ${sizing.leadSteps} step(s) ahead for the ${sizing.leadPath === 'resume' ? 'resume from the pool' : sizing.leadPath === 'start' ? 'start from the stopped pool' : 'boot of VMs beyond the pool'} and the forecast's timing), from penalty ${w.unservedPenaltyPerVmHour}/VM-h vs price ${owner.placement.pricePerHour}/VM-h${target.bySlo ? `, raised to the SLO of ${w.sloServedPct} % served` : ''}; ${sizing.pool.spreadWiderThanHeadroom ? `no pool: the forecast's spread over the pool's window is wider than the configured autoscaler headroom (${w.targetUtilization}) (${sizing.poolHeld ? 'at every step: a held pool is dropped' : 'at some step: no new pool is started'}), so pool VMs would be called on bursts gone a step later and each call boots a refill` : `pool ${owner.suspended} suspended + ${owner.stopped} stopped while a pool VM's expected avoided shortfall beats its price and its refill boots (last one needed with probability ${(sizing.pool.lastProbability * 100).toFixed(1)} % within ${Math.round(sizing.pool.windowMs / 60000)} min)`}; autoscaler target ${sizing.targetUtilization} (min of median / q* and q* / top quantile)`, {
    qStar: round(target.q), sloServedPct: w.sloServedPct ?? 0, demandAtQ: round(sizing.demandAtQ[0]), floor: owner.running, upperVms: sizing.upperVms, leadSteps: sizing.leadSteps, leadPath: sizing.leadPath,
    suspended: owner.suspended, stopped: owner.stopped, lastPoolProbability: round(sizing.pool.lastProbability), poolOffWideSpread: sizing.pool.spreadWiderThanHeadroom ? 1 : 0, poolHeld: sizing.poolHeld ? 1 : 0,
    penaltyPerVmHour: w.unservedPenaltyPerVmHour, pricePerHour: owner.placement.pricePerHour, primaryCapVms, mode, targetUtilization: sizing.targetUtilization,
  }, owner.name);
}

/** The generation has pooled VMs, or the last plan asked for some (their fill boots are paid or under way). */
function holdsPool(g: GenerationPlan, prev: GenerationPlan | undefined): boolean {
  return g.suspended + g.stopped + (prev?.suspended ?? 0) + (prev?.stopped ?? 0) > 0;
}

/**
 * The quantile of demand the running floor covers: the newsvendor ratio of penalty to price,
 * raised to the SLO's served share when the workload sets one (the floor then covers demand at
 * least that often; the autoscaler serves part of the rest, so the served share is higher).
 */
function quantileTarget(w: WorkloadConfig, p: Placement): { q: number; bySlo: boolean } {
  const q = criticalRatio(w.unservedPenaltyPerVmHour, p.pricePerHour);
  const slo = w.sloServedPct === undefined ? 0 : w.sloServedPct / 100;
  return slo > q ? { q: slo, bySlo: true } : { q, bySlo: false };
}

/**
 * An unhealthy primary's weight moves at once to the healthiest shadow, which becomes the
 * primary. Needs no forecast: a failover is about health, so it happens during a hold too.
 */
function failOver(w: WorkloadConfig, gens: GenerationPlan[], primary: GenerationPlan, statusOf: Map<string, GenerationStatus>, ctx: Ctx): { primary: GenerationPlan; failover: boolean } {
  const primaryStatus = statusOf.get(primary.name);
  if (!primaryStatus || primaryStatus.healthy || primary.weight <= 0) return { primary, failover: false };
  const candidates = gens
    .filter((g) => g !== primary && g.state !== 'draining' && statusOf.get(g.name)?.healthy)
    .sort((a, b) => generationCount(statusOf.get(b.name)) - generationCount(statusOf.get(a.name)) || a.name.localeCompare(b.name));
  const best = candidates[0];
  if (!best) {
    decide(ctx, w.name, 'failover.no-healthy-shadow', `${primary.name} is unhealthy and no healthy shadow exists to take its weight: it keeps serving`, { weight: primary.weight }, primary.name);
    return { primary, failover: false };
  }
  const moved = primary.weight;
  best.weight += moved;
  primary.weight = 0;
  best.role = 'primary';
  setState(best, 'active', ctx);
  best.mirror = false;
  primary.role = 'shadow';
  setState(primary, 'draining', ctx);
  decide(ctx, w.name, 'failover', `${primary.name} is unhealthy: its weight ${moved} moves at once to ${best.name}, which resumes its pool`, { from: primary.name, to: best.name, weight: moved, toRunning: statusOf.get(best.name)?.running ?? 0, toPool: (statusOf.get(best.name)?.suspended ?? 0) + (statusOf.get(best.name)?.stopped ?? 0) }, best.name);
  return { primary: best, failover: true };
}

/** Weights sum to 1000; every change but a failover is limited per tick. */
function balanceWeights(w: WorkloadConfig, gens: GenerationPlan[], primary: GenerationPlan, statusOf: Map<string, GenerationStatus>, failover: boolean, ctx: Ctx): void {
  for (const g of gens) {
    g.weight = Math.max(0, Math.min(1000, Math.round(g.weight)));
    if (g.state === 'standby' || g.state === 'draining') g.weight = g === primary ? g.weight : 0;
  }
  if (!failover) {
    for (const g of gens) {
      if (g === primary) continue;
      const before = statusOf.get(g.name)?.weight ?? 0;
      const step = w.guardrails.maxWeightStepPerTick;
      g.weight = Math.max(before - step, Math.min(before + step, g.weight));
    }
  }
  const others = gens.filter((g) => g !== primary).reduce((s, g) => s + g.weight, 0);
  if (others > 1000) {
    // Only reachable with inconsistent state; scale the others down so the sum holds.
    let left = 1000;
    for (const g of gens) if (g !== primary) { g.weight = Math.min(g.weight, left); left -= g.weight; }
    primary.weight = 0;
  } else {
    primary.weight = 1000 - others;
  }
  if (primary.weight > 0) setState(primary, 'active', ctx);
}

// ---------------------------------------------------------------------------------------------

/**
 * Fits the workloads planned together into the total caps, lowest priority first. Counts each
 * generation at what it will hold once applied (the autoscaler keeps what runs now above a
 * floor, up to maxReplicas), exactly as recheckTotals counts it before acting: counting floors
 * here would let a workload that runs above its floor keep VMs the trim took on paper, and the
 * re-check would then refuse a higher-priority workload's growth instead.
 */
function applyTotalGuardrails(workloads: WorkloadPlan[], ctx: Ctx, state: FleetState): void {
  const { maxVms, maxSpendPerHour } = ctx.config.totalGuardrails;
  const priority = new Map(ctx.config.workloads.map((w) => [w.name, w.priority]));
  const runningNow = new Map<string, number>();
  for (const s of state.workloads) for (const g of s.generations) runningNow.set(g.name, g.running);
  const { vms, spendPerHour: spend } = heldTotals(workloads, runningNow);
  if (vms <= maxVms && spend <= maxSpendPerHour + 1e-9) return;
  // Lowest priority gives first; names break ties so the order is stable.
  const order = [...workloads].sort((a, b) => (priority.get(a.workload) ?? 0) - (priority.get(b.workload) ?? 0) || a.workload.localeCompare(b.workload));
  const given = trimHeldToCaps(order, maxVms, maxSpendPerHour, runningNow, ctx.replacements, (w) => priority.get(w.workload) ?? 0);
  for (const [workload, g] of [...given].sort((a, b) => a[0].localeCompare(b[0]))) {
    const pools = g.pools.map((p) => `${p.vms} ${p.field} of ${p.generation}'s pool`);
    const capped = g.capped.map((c) => `${c.generation}'s autoscaler is capped at ${c.maxReplicas} VMs${c.runningNow > c.maxReplicas ? ` (it runs ${c.runningNow}: the group scales in to ${c.maxReplicas})` : ''}`);
    decide(ctx, workload, 'guardrail.total', `the fleet would hold ${vms} VMs at ${spend.toFixed(2)}/h once applied, above the total caps (${maxVms} VMs, ${maxSpendPerHour}/h): ${workload} (priority ${priority.get(workload) ?? 0}) gives ${g.vms} VMs${pools.length ? ` (${pools.join(', ')})` : ''}${capped.length ? `; ${capped.join('; ')}` : ''}`, {
      vms, spendPerHour: round(spend), maxVms, maxSpendPerHour, trimmed: g.vms, priority: priority.get(workload) ?? 0,
      ...Object.fromEntries(g.capped.map((c) => [`maxReplicas:${c.generation}`, c.maxReplicas])),
    });
    refloorTrimmed(workloads.find((x) => x.workload === workload)!, ctx, 'the total guardrails');
  }
}

// ---------------------------------------------------------------------------------------------

export interface CostReportInput {
  config: PlannerConfig;
  plan: FleetPlan;
  forecasts: Record<string, QuantileForecast | undefined>;
  now: string;
  forecastMaxAgeMs?: number | Record<string, number>;
}

export interface WorkloadCostReport {
  workload: string;
  /** Price per hour of the shadow generations (running + pools). */
  shadowCostPerHour: number;
  /** Expected penalty per hour of demand above the primary's capacity that the shadows can serve. */
  shortfallAvoidedPerHour: number;
  /** What a migration successor saves per hour once it has taken over (price difference at median demand). */
  savingsPerHour: number;
  /** Shadows that cost more than they earn. */
  recommendRemoval: string[];
  message: string;
}

/**
 * What the shadows cost and what they earn, per workload. An overflow shadow earns the expected
 * shortfall above the primary's capacity it can serve; a migration successor (a cheaper
 * placement or a new template) earns what the fleet saves once it has taken over. A shadow that
 * earns less than it costs is recommended for removal.
 */
export function costReport(input: CostReportInput): WorkloadCostReport[] {
  const nowMs = Date.parse(input.now);
  const out: WorkloadCostReport[] = [];
  for (const wp of input.plan.workloads) {
    const w = input.config.workloads.find((x) => x.name === wp.workload);
    if (!w) continue;
    const primary = wp.generations.find((g) => g.role === 'primary') ?? wp.generations[0];
    const shadows = wp.generations.filter((g) => g !== primary && g.state !== 'draining');
    const costOf = (g: GenerationPlan) => g.running * g.placement.pricePerHour + g.suspended * g.placement.suspendedPricePerHour + g.stopped * g.placement.stoppedPricePerHour;
    const isSuccessor = (g: GenerationPlan) => primary !== undefined && (g.placement.pricePerHour < primary.placement.pricePerHour || g.instanceTemplate.version !== primary.instanceTemplate.version);
    const successors = shadows.filter(isSuccessor);
    const overflow = shadows.filter((g) => !isSuccessor(g));
    const shadowCostPerHour = shadows.reduce((s, g) => s + costOf(g), 0);
    const cap = w.signals[0].capacityPerVm;
    const maxAgeMs = maxAgeFor(input.forecastMaxAgeMs, w.name);
    const view = viewForecast(w.name, input.forecasts[w.name], nowMs, maxAgeMs, input.config.events);
    let avoided = 0;
    let savings = 0;
    if (view.ok && primary) {
      const primaryCap = maxReplicasOf(w, primary.placement) * cap;
      const shadowCap = overflow.reduce((s, g) => s + Math.min(maxReplicasOf(w, g.placement), g.running + g.suspended + g.stopped), 0) * cap;
      // Excess the overflow shadows can absorb: E[(D - primary)+] - E[(D - primary - shadows)+].
      const perStep = view.steps.map((st) => expectedExcess(st.points, primaryCap) - expectedExcess(st.points, primaryCap + shadowCap));
      avoided = (w.unservedPenaltyPerVmHour * perStep.reduce((a, b) => a + b, 0)) / cap / perStep.length;
      // A successor serves the median demand at its own price once it has taken over.
      const medianVms = view.steps.reduce((s, st) => s + quantileAt(st.points, 0.5), 0) / view.steps.length / cap;
      for (const g of successors) savings = Math.max(savings, Math.max(0, primary.placement.pricePerHour - g.placement.pricePerHour) * medianVms);
    }
    const overflowCost = overflow.reduce((s, g) => s + costOf(g), 0);
    const successorCost = successors.reduce((s, g) => s + costOf(g), 0);
    const recommendRemoval = [
      ...(overflow.length && overflowCost > avoided ? overflow.map((g) => g.name) : []),
      // What a successor costs while it waits ends when it takes over, and its savings do not:
      // a price-driven move pays once it saves anything. A template change is made regardless.
      ...(savings > 0 ? [] : successors.filter((g) => g.instanceTemplate.version === primary!.instanceTemplate.version).map((g) => g.name)),
    ];
    const parts: string[] = [];
    if (overflow.length) parts.push(`overflow shadows ${overflow.map((g) => g.name).join(', ')} cost ${overflowCost.toFixed(2)}/h and avoid an expected ${avoided.toFixed(2)}/h of unserved demand`);
    if (successors.length) parts.push(`successor ${successors.map((g) => g.name).join(', ')} costs ${successorCost.toFixed(2)}/h while it waits and saves ${savings.toFixed(2)}/h once it has taken over`);
    out.push({
      workload: wp.workload,
      shadowCostPerHour: round(shadowCostPerHour),
      shortfallAvoidedPerHour: round(avoided),
      savingsPerHour: round(savings),
      recommendRemoval,
      message: shadows.length === 0 ? 'no shadow generation' : `${parts.join('; ')}${recommendRemoval.length ? `: remove ${recommendRemoval.join(', ')}` : ''}`,
    });
  }
  return out;
}

export { vmsFor };
