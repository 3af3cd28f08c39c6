/**
 * Replay: run a controller over a demand series on the simulated fleet, step by step, and
 * score it against the oracle. Pure apart from loading the default forecaster module.
 *
 * - Every row is a step of the output, but rows before `warmup` are not scored: there the fleet
 *   is run by the reactive fallback (what GCP does with no forecast), since no controller has
 *   history to decide from yet. At the first scored step the fleet is handed to the controller
 *   as what it asks for, already ready (a fleet that has been running), so no controller pays
 *   for a cold start.
 * - At step t the controller sees rows before t only, so decisions up to t do not depend on
 *   rows after t (a prefix of the file replays to a prefix of the output).
 */
import type { Series } from '../../forecaster/types';
import type { WorkloadConfig } from '../config-types';
import type { Decision } from '../fleet-plan';
import type { ReplayResult, ReplayStep } from '../replay-types';
import { formatDuration } from '../duration';
import { inputError, ShadowscaleError } from '../errors';
import { DEFAULT_FLEET_MODEL, SimFleet, oracleStepCost, type FleetModel } from './fleet';
import {
  reactiveController, reactivePoolController, seasonalController, shadowscaleController, staticController,
  type Controller, type ControllerName, type OnlineForecaster,
} from './controllers';

export interface ForecasterFactoryOptions {
  stepMs: number;
  /** Grid start time, for the forecast's ISO origin time. */
  startMs: number;
  horizon: number;
  quantiles: number[];
  refitEverySteps: number;
}

export type ForecasterFactory = (o: ForecasterFactoryOptions) => OnlineForecaster;

export interface ReplayOptions {
  controller: ControllerName | Controller;
  capacityPerVm: number;
  /** Planner tick for shadowscale. Default 15 min. */
  tickMs?: number;
  model?: Partial<FleetModel>;
  /** History before the first scored step. Default 1 day. */
  warmupMs?: number;
  /** Target utilisation of the reference controllers. Default 0.6 (GCP's default). */
  targetUtilization?: number;
  /** shadowscale's workload settings (defaults from replayWorkload). */
  workload?: Partial<WorkloadConfig>;
  quantiles?: number[];
  /** The online forecaster; default forecaster/index.ts createOnlineForecaster. */
  forecaster?: ForecasterFactory;
  /** Called about a hundred times over the replay (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_REPLAY_QUANTILES = [0.5, 0.9, 0.95, 0.99];

/**
 * The workload shadowscale plans in a replay: one placement priced like the fleet model
 * (per VM-hour = 60 x per VM-minute), the config's default penalty of 20 running VM-hours per
 * unserved VM-hour (q* = 20/21), no caps that bind.
 * The configured autoscaler target is GCP's default 0.6: what the fleet falls back to without a
 * usable forecast. With one, the planner runs the autoscaler at the smaller of median / q* and q* / top quantile of the forecast.
 */
export function replayWorkload(capacityPerVm: number, model: FleetModel, over: Partial<WorkloadConfig> = {}): WorkloadConfig {
  const perHour = (perMinute: number) => perMinute * 60;
  const unbounded = 1_000_000;
  return {
    name: 'replay',
    region: 'sim',
    port: 80,
    healthCheckPath: '/',
    image: 'sim',
    templateVersion: '1',
    history: { source: 'file' },
    signals: [{ name: 'demand', capacityPerVm }],
    unservedPenaltyPerVmHour: 20 * perHour(model.price.running),
    targetUtilization: 0.6,
    latencies: { bootSec: model.bootMs / 1000, resumeSec: model.resumeMs / 1000, startSec: model.startMs / 1000 },
    guardrails: { maxVms: unbounded, maxSpendPerHour: Number.MAX_SAFE_INTEGER, maxWeightStepPerTick: 1000, freeze: false, drainSec: 600 },
    placements: [{ id: 'sim', region: 'sim', machineType: 'sim', pricePerHour: perHour(model.price.running), suspendedPricePerHour: perHour(model.price.suspended), stoppedPricePerHour: perHour(model.price.stopped) }],
    priority: 0,
    horizonSec: 7200,
    contentionThreshold: 0.2,
    ...over,
  };
}

function defaultForecaster(): ForecasterFactory {
  let mod: { createOnlineForecaster?: ForecasterFactory };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('../../forecaster');
  } catch (err) {
    throw new ShadowscaleError('internal', 'replay.no-forecaster', 'the shadowscale controller needs forecaster/index.ts (createOnlineForecaster), which could not be loaded', {}, { cause: err });
  }
  if (typeof mod.createOnlineForecaster !== 'function') {
    throw new ShadowscaleError('internal', 'replay.no-forecaster', 'forecaster/index.ts does not export createOnlineForecaster');
  }
  return mod.createOnlineForecaster;
}

export function makeController(opts: ReplayOptions, stepMs: number, model: FleetModel, startMs = 0): Controller {
  if (typeof opts.controller !== 'string') return opts.controller;
  const u = opts.targetUtilization ?? 0.6;
  switch (opts.controller) {
    case 'reactive': return reactiveController(u);
    case 'reactive-pool': return reactivePoolController(u);
    case 'seasonal': return seasonalController(u);
    case 'static': return staticController();
    case 'shadowscale': {
      const tickMs = opts.tickMs ?? 15 * 60_000;
      const quantiles = opts.quantiles ?? DEFAULT_REPLAY_QUANTILES;
      const workload = replayWorkload(opts.capacityPerVm, model, opts.workload);
      // Long enough to see past the next tick, a boot and a resume, never more than asked.
      const horizon = Math.max(2, Math.ceil((Math.max(tickMs, stepMs) + model.bootMs + model.resumeMs) / stepMs) + 1);
      const factory = opts.forecaster ?? defaultForecaster();
      const forecaster = factory({ stepMs, startMs, horizon, quantiles, refitEverySteps: Math.max(1, Math.round(6 * 3_600_000 / stepMs)) });
      return shadowscaleController({ workload, quantiles, forecaster, tickMs });
    }
    default:
      throw inputError('input.controller', { field: '--controller' }, `expected one of shadowscale, reactive, reactive-pool, seasonal, static, got "${String(opts.controller)}"`);
  }
}

export function replay(series: Series, opts: ReplayOptions): ReplayResult {
  if (!(opts.capacityPerVm > 0) || !Number.isFinite(opts.capacityPerVm)) {
    throw inputError('input.capacity', { field: '--capacity-per-vm' }, `expected a positive number, got ${opts.capacityPerVm}`);
  }
  const model: FleetModel = { ...DEFAULT_FLEET_MODEL, ...opts.model, price: { ...DEFAULT_FLEET_MODEL.price, ...opts.model?.price } };
  const { stepMs, startMs, values } = series;
  // The controller decides at whole steps (at every step when the tick is shorter): a tick
  // between two multiples would silently become the next one.
  if (opts.tickMs !== undefined && opts.tickMs > stepMs && opts.tickMs % stepMs !== 0) {
    throw inputError('input.flag', { field: '--tick' }, `expected the history's step (${formatDuration(stepMs)}) or a whole multiple of it, got ${formatDuration(opts.tickMs)}`);
  }
  const warmup = Math.round((opts.warmupMs ?? 86_400_000) / stepMs);
  if (values.length <= warmup) {
    throw inputError('input.too-short', { file: series.name }, `expected more than ${warmup} rows (the warm-up of ${formatDuration(opts.warmupMs ?? 86_400_000)} at this step), got ${values.length}; lower --warmup`);
  }
  const controller = makeController(opts, stepMs, model, startMs);
  const fleet = new SimFleet(opts.capacityPerVm, stepMs, model);
  const steps: ReplayStep[] = [];
  const decisions: (Decision & { t: string })[] = [];
  let served = 0;
  let demandTotal = 0;
  let cost = 0;
  /** Cost of scored steps with no demand (gaps): the oracle has nothing to serve there, so they
   * are kept out of the comparison and reported apart. */
  let gapCost = 0;
  let gapSteps = 0;
  let oracleCost = 0;
  let shortSteps = 0;
  const fallback = reactiveController(opts.targetUtilization ?? 0.6);
  let lastSeen: number | undefined;
  let runningSum = 0;
  const progressEvery = Math.max(1, Math.floor(values.length / 100));
  for (let t = 0; t < values.length; t++) {
    if (opts.onProgress && t % progressEvery === 0) opts.onProgress(t, values.length);
    const tMs = startMs + t * stepMs;
    const scoredStep = t >= warmup;
    // The controller takes over a fleet of its own making: the fallback's MIG goes.
    if (t === warmup) fleet.configure([]);
    const decider = scoredStep ? controller : fallback;
    const out = decider.decide({ history: values.subarray(0, t), t, tMs, stepMs, capacityPerVm: opts.capacityPerVm, fleet, model }) ?? {};
    const time = new Date(tMs).toISOString();
    if (out.decisions) for (const d of out.decisions) decisions.push({ ...d, t: time });
    const demand = values[t];
    const o = fleet.step(tMs, demand, lastSeen, { prime: t === 0 || t === warmup });
    if (!scoredStep) {
      if (Number.isFinite(demand)) lastSeen = demand;
      steps.push({ t: time, demand, running: o.running, suspended: o.suspended, stopped: o.stopped, ready: round(o.ready), served: round(o.served), cost: round(o.cost) });
      continue;
    }
    if (Number.isFinite(demand)) {
      lastSeen = demand;
      demandTotal += Math.max(0, demand);
      served += o.served;
      oracleCost += oracleStepCost(demand, opts.capacityPerVm, stepMs, model);
      if (o.served < Math.max(0, demand) * (1 - 1e-9) - 1e-9) shortSteps++;
      cost += o.cost;
    } else {
      gapCost += o.cost;
      gapSteps++;
    }
    runningSum += o.running;
    const step: ReplayStep = { t: time, demand, running: o.running, suspended: o.suspended, stopped: o.stopped, ready: round(o.ready), served: round(o.served), cost: round(o.cost) };
    if (out.forecastP50 !== undefined) step.forecastP50 = round(out.forecastP50);
    if (out.forecastP95 !== undefined) step.forecastP95 = round(out.forecastP95);
    if (Object.keys(o.weights).length > 1) step.weights = o.weights;
    steps.push(step);
  }
  opts.onProgress?.(values.length, values.length);
  const scored = values.length - warmup;
  return {
    controller: controller.name,
    stepMs,
    capacityPerVm: opts.capacityPerVm,
    steps,
    decisions,
    summary: {
      controller: controller.name,
      steps: scored,
      servedPct: demandTotal > 0 ? round((100 * served) / demandTotal, 4) : 100,
      cost: round(cost, 2),
      oracleCost: round(oracleCost, 2),
      costVsOracle: oracleCost > 0 ? round(cost / oracleCost, 4) : 0,
      shortSteps,
      warmupSteps: warmup,
      gapSteps,
      gapCost: round(gapCost, 2),
      meanRunning: round(runningSum / scored, 2),
      decisions: decisions.length,
    },
  };
}

function round(x: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
