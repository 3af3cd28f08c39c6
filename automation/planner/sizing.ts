/**
 * Sizing one serving generation from a forecast, by cost. Pure.
 *
 * - Running floor: the newsvendor quantile q* = penalty / (penalty + price) of demand, asked for
 *   early enough that the VMs of a rise are ready when the demand arrives by the path they
 *   actually take (resumed from the pool while it lasts, booted beyond it), and held one
 *   step of timing uncertainty ahead of a predicted rise. (A per-step
 *   served-demand constraint on top was tried and priced the fleet far above what the
 *   autoscaler and the pool need; the objective is checked by replay instead.)
 * - Standby pool: one VM at a time above the floor, each kept only while its expected value per
 *   hour (probability demand reaches it within the refill window x chances per hour x the
 *   shortfall its shorter latency avoids x penalty) beats its price plus the boot that refills
 *   it each time the autoscaler calls it; suspended or stopped,
 *   whichever nets more. This is where the
 *   seeds' tiers come from: a small pool when the upper quantiles are close to q*, a large one
 *   ahead of a predicted rise, none when demand is falling.
 * - No pool at all when the forecast's spread is wider than the configured autoscaler headroom
 *   over the pool's window: every step of it to drop a held pool, any step of it to hold back a
 *   new one (see `spreadWiderThanHeadroom`).
 */
import type { LatencyConfig } from '../config-types';
import type { ForecastStep } from './forecast-view';
import { exceedance, quantileAt } from './quantiles';

export interface SizingInput {
  steps: ForecastStep[];
  stepMs: number;
  capacityPerVm: number;
  qStar: number;
  latencies: LatencyConfig;
  /** Time until the next plan can change the pool (the planner tick). */
  tickMs: number;
  pricePerHour: number;
  suspendedPricePerHour: number;
  stoppedPricePerHour: number;
  penaltyPerVmHour: number;
  /** The configured autoscaler target: the backstop never runs hotter than the forecast allows, nor cooler than this. */
  configuredUtilization: number;
  /** The serving generation holds a standby pool now or was last planned with one (its fill boots are paid). */
  poolHeld?: boolean;
}

export interface PoolChoice {
  suspended: number;
  stopped: number;
  /** Probability the last kept pool VM is needed within the window (0 when no pool). */
  lastProbability: number;
  windowMs: number;
  /** The pool was left empty because the spread over its window is wider than the configured headroom. */
  spreadWiderThanHeadroom: boolean;
}

export type LeadPath = 'resume' | 'start' | 'boot';

export interface Sizing {
  stepTimesMs: number[];
  stepMs: number;
  /** Forecast demand at q* per step (events applied). */
  demandAtQ: number[];
  /** VMs asked for at each forecast step so that they are ready when needed. */
  floors: number[];
  floorNow: number;
  /** Largest VM count the highest forecast quantile asks for within the pool window. */
  upperVms: number;
  pool: PoolChoice;
  /** Per path, for recomputing the floors when less of the pool is kept (floorsForPool). */
  paths: PathFloors;
  /** Steps ahead the floors are raised for the slowest path a forecast rise takes (`leadPath`). */
  leadSteps: number;
  /** How the last VMs of a forecast rise arrive: resumed from the pool, started, or booted past it. */
  leadPath: LeadPath;
  /** The input's `poolHeld`: which side of the spread rule's band applied. */
  poolHeld: boolean;
  /**
   * Autoscaler target for the serving generation: the smaller of median / q* and q* / highest
   * quantile of the next step's forecast, the headroom the workload's own calibrated errors ask
   * for (never below the configured target).
   * The floors already cover q*; this makes the reactive backstop respond to a surprise with
   * the same headroom.
   */
  targetUtilization: number;
}

/** Steps of timing uncertainty a floor is held ahead of a forecast rise. */
export const TIMING_STEPS = 1;

/** A pool never holds more than this many times the running floor (a bound on a runaway tail). */
const MAX_POOL_FACTOR = 2;

export function vmsFor(demand: number, capacityPerVm: number): number {
  // A relative epsilon keeps 40.0000000001 VMs of float noise from costing a 41st VM.
  return Math.max(0, Math.ceil(demand / capacityPerVm - 1e-9));
}

/** Steps ahead a floor is asked for so that a VM coming by a path of this latency serves the whole step, plus the timing step. */
function leadStepsFor(latencySec: number, stepMs: number): number {
  return Math.ceil((latencySec * 1000) / stepMs) + TIMING_STEPS;
}

/** Floor at each step: the largest need within `lead` steps after it. */
function floorsAhead(need: readonly number[], lead: number): number[] {
  return need.map((_, h) => {
    let m = 0;
    for (let k = h; k <= Math.min(need.length - 1, h + lead); k++) m = Math.max(m, need[k]);
    return m;
  });
}

/** The VMs a rise needs, asked ahead by each path's latency (resume, start, boot). */
export interface PathFloors {
  resume: number[];
  start: number[];
  boot: number[];
}

/**
 * Floors for a pool of `suspended` + `stopped` VMs: the first `suspended` VMs of a rise come by
 * a resume, the next `stopped` by a start, the rest by a boot, each asked that far ahead.
 */
export function floorsForPool(paths: PathFloors, suspended: number, stopped: number): number[] {
  return paths.resume.map((f, h) => Math.max(f, paths.start[h]! - suspended, paths.boot[h]! - suspended - stopped));
}

export function sizeGeneration(input: SizingInput): Sizing {
  const { steps, stepMs, capacityPerVm, qStar, latencies } = input;
  const demandAtQ = steps.map((s) => quantileAt(s.points, qStar));
  const need = demandAtQ.map((d) => vmsFor(d, capacityPerVm));
  // Asked at the start of a step, a resumed VM serves from resumeSec into it; asking one lead
  // earlier makes it serve the whole step (see sim/fleet.ts for the readiness rule). One more
  // step covers the forecast's timing: its quantiles are per-step marginals, so a rise it puts
  // at step h may come a step early, and the first step of a rise is the one the reactive
  // autoscaler cannot see coming. (Measured on every bench trace: served up at every one, cost
  // up less than a running VM would buy; see the replay bench.)
  const resumeLead = leadStepsFor(latencies.resumeSec, stepMs);
  const resumeFloors = floorsAhead(need, resumeLead);
  // The pool is sized against the floor a full pool would allow (its window is the resume path's).
  const poolFloorNow = resumeFloors[0];
  const windowMs = input.tickMs + latencies.bootSec * 1000 + resumeLead * stepMs;
  const windowSteps = Math.max(1, Math.min(steps.length, Math.ceil(windowMs / stepMs)));
  // Headroom for the wider side of the workload's calibrated spread around q*: the body
  // (median to q*) or the tail (q* to the highest level). A bursty workload's tail is the wider
  // one, and a surprise there is what the backstop is for.
  const ratio = headroomRatio(steps[0].points, qStar, input.configuredUtilization);
  const targetUtilization = Math.min(1, Math.max(input.configuredUtilization, Math.round(ratio * 100) / 100));
  // A pool VM turns the boot after a rise the autoscaler has seen into a resume, so it pays only
  // when demand one step after a call is still up. When the workload's own calibrated spread one
  // step ahead is wider than the configured headroom, last step's demand says little about the
  // next: the autoscaler calls pool VMs on bursts that are gone a step later, and GCP boots a
  // replacement into the pool at the running price after every call. The expected-value rule
  // below counts each step's exceedance as a chance and cannot see that (the forecast carries
  // per-step marginals only), so there the configured headroom is the backstop and the money
  // stays out of the pool. (Replay bench: on every trace where this changes the plan, the cost
  // saved exceeds the penalty, at the workload's own penalty per VM-hour, of the demand it
  // leaves unserved; the pool was buying served demand at several times that penalty.)
  // The switch has a band rather than an edge at one step's ratio, taken from the pool's own
  // window: a pool not held is started only when every step of the window is within the
  // headroom, since its fill boots are paid up front and wasted if the spread widens before the
  // window is over; a held pool (fill already paid) is dropped only when every step of the
  // window is wider, since dropping it and refilling at the next narrow step pays the fill again.
  // (Replay bench: pool on/off churn down on every trace where the rule binds, cost down there.)
  let narrowest = ratio;
  let widest = ratio;
  for (let h = 1; h < windowSteps; h++) {
    const r = headroomRatio(steps[h].points, qStar, input.configuredUtilization);
    narrowest = Math.max(narrowest, r);
    widest = Math.min(widest, r);
  }
  const spreadWiderThanHeadroom = (input.poolHeld ? narrowest : widest) < input.configuredUtilization;
  const pool = spreadWiderThanHeadroom
    ? { suspended: 0, stopped: 0, lastProbability: 0, windowMs, spreadWiderThanHeadroom }
    : choosePool(input, poolFloorNow, windowSteps, windowMs, targetUtilization);
  // A floor rise takes pool VMs first (suspended, then stopped) and creates new VMs for the
  // rest (SCALE_OUT_POOL), so only the first `suspended` VMs of a rise come in a resume; the
  // next `stopped` take a start and any beyond the pool a boot, and must be asked that much
  // earlier. With no pool every VM of a rise boots.
  const startLead = leadStepsFor(latencies.startSec, stepMs);
  const bootLead = leadStepsFor(latencies.bootSec, stepMs);
  const startFloors = floorsAhead(need, startLead);
  const bootFloors = floorsAhead(need, bootLead);
  const paths: PathFloors = { resume: resumeFloors, start: startFloors, boot: bootFloors };
  const floors = floorsForPool(paths, pool.suspended, pool.stopped);
  // The slowest path that sets some floor, for the decision to name.
  let leadPath: LeadPath = 'resume';
  for (let h = 0; h < floors.length; h++) {
    if (floors[h] === resumeFloors[h]) continue;
    if (floors[h] > startFloors[h] - pool.suspended) { leadPath = 'boot'; break; }
    leadPath = 'start';
  }
  const leadSteps = leadPath === 'boot' ? bootLead : leadPath === 'start' ? startLead : resumeLead;
  const floorNow = floors[0];
  let upperVms = floorNow;
  for (let h = 0; h < windowSteps; h++) {
    const pts = steps[h].points;
    upperVms = Math.max(upperVms, vmsFor(pts.values[pts.values.length - 1], capacityPerVm));
  }
  return { stepTimesMs: steps.map((s) => s.timeMs), stepMs, demandAtQ, floors, paths, floorNow, upperVms, pool, leadSteps, leadPath, poolHeld: input.poolHeld ?? false, targetUtilization };
}

/** min(median / q*, q* / top level) of one step's forecast: the headroom its spread asks for. */
function headroomRatio(points: ForecastStep['points'], qStar: number, fallback: number): number {
  const atQ = quantileAt(points, qStar);
  if (!(atQ > 0)) return fallback;
  const median = quantileAt(points, 0.5);
  const top = points.values[points.values.length - 1];
  const bodyRatio = median / atQ;
  return top > 0 ? Math.min(bodyRatio, atQ / top) : bodyRatio;
}

function choosePool(input: SizingInput, floorNow: number, windowSteps: number, windowMs: number, targetUtilization: number): PoolChoice {
  const { steps, capacityPerVm, latencies, penaltyPerVmHour, stepMs } = input;
  // How often a pool VM can be called on: once per step, but needs closer than a boot apart
  // overlap (a VM booted for the first would serve the second).
  const chancesPerHour = 3_600_000 / Math.max(stepMs, latencies.bootSec * 1000);
  // Shortfall hours one VM's faster arrival avoids, per kind of pool VM.
  const savedSuspendedH = Math.max(0, latencies.bootSec - latencies.resumeSec) / 3600;
  const savedStoppedH = Math.max(0, latencies.bootSec - latencies.startSec) / 3600;
  let suspended = 0;
  let stopped = 0;
  let lastProbability = 0;
  for (let k = 1; k <= MAX_POOL_FACTOR * Math.max(1, floorNow); k++) {
    const threshold = (floorNow + k - 1) * capacityPerVm;
    let p = 0;
    for (let h = 0; h < windowSteps; h++) p = Math.max(p, exceedance(steps[h].points, threshold));
    // The autoscaler calls this VM whenever demand reaches threshold x target (earlier than the
    // shortfall it avoids), and GCP then boots a replacement into the pool at the running price:
    // each call costs a boot, whether or not the demand would have gone unserved.
    let pCall = 0;
    for (let h = 0; h < windowSteps; h++) pCall = Math.max(pCall, exceedance(steps[h].points, threshold * targetUtilization));
    const refillPerHour = pCall * chancesPerHour * (latencies.bootSec / 3600) * input.pricePerHour;
    const netSuspended = p * chancesPerHour * penaltyPerVmHour * savedSuspendedH - input.suspendedPricePerHour - refillPerHour;
    const netStopped = p * chancesPerHour * penaltyPerVmHour * savedStoppedH - input.stoppedPricePerHour - refillPerHour;
    if (netSuspended <= 0 && netStopped <= 0) break;
    if (netSuspended >= netStopped) suspended++;
    else stopped++;
    lastProbability = p;
  }
  return { suspended, stopped, lastProbability, windowMs, spreadWiderThanHeadroom: false };
}

/** Probability demand exceeds `capacity` at some step of the forecast (max of the per-step
 * probabilities: a lower bound on the union, exact when the peaks are comonotone). */
export function contentionProbability(steps: ForecastStep[], capacity: number): { probability: number; firstStep: number } {
  let probability = 0;
  let firstStep = -1;
  for (let h = 0; h < steps.length; h++) {
    const p = exceedance(steps[h].points, capacity);
    if (p > probability) probability = p;
    if (firstStep < 0 && p >= 0.5) firstStep = h;
  }
  return { probability, firstStep };
}
