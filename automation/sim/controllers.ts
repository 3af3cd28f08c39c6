/**
 * Controllers that drive the simulated fleet in a replay: the reference controllers and
 * shadowscale itself (the planner plus the online forecaster). At step t a controller sees
 * demand before t only (`history` is a view of rows 0..t-1) and may reconfigure the fleet;
 * the fleet then acts and serves step t.
 */
import type { QuantileForecast } from '../../forecaster/types';
import type { Decision, FleetPlan } from '../fleet-plan';
import type { WorkloadConfig } from '../config-types';
import { planFleet } from '../plan';
import type { FleetModel, MigSettings, SimFleet } from './fleet';
import { settingsFromPlan, statusFromFleet } from './plan-driver';

export interface ControllerContext {
  /** Demand before step t (length t). NaN is a gap. */
  history: Float64Array;
  t: number;
  tMs: number;
  stepMs: number;
  capacityPerVm: number;
  fleet: SimFleet;
  model: FleetModel;
}

export interface ControllerOutput {
  forecastP50?: number;
  forecastP95?: number;
  decisions?: Decision[];
}

export interface Controller {
  readonly name: string;
  decide(ctx: ControllerContext): ControllerOutput | void;
}

export const CONTROLLER_NAMES = ['shadowscale', 'reactive', 'reactive-pool', 'seasonal', 'static'] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

const UNBOUNDED = 1_000_000;

function single(name: string, over: Partial<MigSettings>): MigSettings {
  return { name, autoscale: true, targetUtilization: 0.6, minReplicas: 1, maxReplicas: UNBOUNDED, schedules: [], suspended: 0, stopped: 0, weight: 1000, ...over };
}

function lastFinite(h: Float64Array): number | undefined {
  for (let i = h.length - 1; i >= 0; i--) if (Number.isFinite(h[i])) return h[i];
  return undefined;
}

/** GCP's default: autoscaler at a target utilisation (0.6 unless told), no pool. */
export function reactiveController(targetUtilization = 0.6): Controller {
  return {
    name: targetUtilization === 0.6 ? 'reactive' : `reactive-${targetUtilization}`,
    decide({ fleet }) {
      if (fleet.migs.size === 0) fleet.configure([single('reactive', { targetUtilization })]);
    },
  };
}

/**
 * The same autoscaler with a suspended standby pool sized the way an operator would from
 * history: the largest rise of the recommended size over one boot time during the last day.
 */
export function reactivePoolController(targetUtilization = 0.6, resizeEveryMs = 15 * 60_000): Controller {
  let lastResizeMs = Number.NEGATIVE_INFINITY;
  return {
    name: 'reactive-pool',
    decide({ fleet, history, tMs, stepMs, capacityPerVm, model }) {
      if (fleet.migs.size > 0 && tMs - lastResizeMs < resizeEveryMs) return;
      lastResizeMs = tMs;
      const day = Math.round(86_400_000 / stepMs);
      const bootSteps = Math.max(1, Math.ceil(model.bootMs / stepMs));
      const from = Math.max(0, history.length - day);
      let rise = 0;
      for (let i = from + bootSteps; i < history.length; i++) {
        const a = history[i - bootSteps];
        const b = history[i];
        if (Number.isFinite(a) && Number.isFinite(b)) rise = Math.max(rise, (b - a) / (capacityPerVm * targetUtilization));
      }
      fleet.configure([single('reactive-pool', { targetUtilization, suspended: Math.max(1, Math.ceil(rise)) })]);
    },
  };
}

/**
 * Seasonal: the median of demand at the same time of day over the last 7 days, for the steps
 * until a new VM would be ready, as the autoscaler's floor (reactive stays on underneath).
 */
export function seasonalController(targetUtilization = 0.6, days = 7): Controller {
  return {
    name: 'seasonal',
    decide({ fleet, history, t, stepMs, capacityPerVm, model }) {
      const day = Math.round(86_400_000 / stepMs);
      const lead = Math.max(1, Math.ceil(model.bootMs / stepMs));
      let need = 0;
      for (let tau = t; tau <= t + lead; tau++) {
        const same: number[] = [];
        for (let k = 1; k <= days; k++) {
          const i = tau - k * day;
          if (i >= 0 && i < history.length && Number.isFinite(history[i])) same.push(history[i]);
        }
        if (same.length === 0) continue;
        same.sort((a, b) => a - b);
        const mid = same.length >> 1;
        const median = same.length % 2 ? same[mid] : (same[mid - 1] + same[mid]) / 2;
        need = Math.max(need, median);
      }
      const floor = Math.max(1, Math.ceil(need / (capacityPerVm * targetUtilization) - 1e-9));
      fleet.configure([single('seasonal', { targetUtilization, minReplicas: floor })]);
      return { forecastP50: need };
    },
  };
}

/** Static: a fixed size at the highest demand seen so far (never scales in), no autoscaler. */
export function staticController(): Controller {
  let peak = 0;
  let seen = 0;
  return {
    name: 'static',
    decide({ fleet, history, capacityPerVm }) {
      for (; seen < history.length; seen++) if (Number.isFinite(history[seen])) peak = Math.max(peak, history[seen]);
      const size = Math.max(1, Math.ceil(peak / capacityPerVm - 1e-9));
      fleet.configure([single('static', { autoscale: false, minReplicas: size, maxReplicas: size })]);
    },
  };
}

export interface OnlineForecaster {
  /** Forecast from rows before `upTo` (values may be exactly those rows). */
  observe(values: Float64Array, upTo: number): QuantileForecast;
}

export interface ShadowscaleControllerOptions {
  workload: WorkloadConfig;
  quantiles: number[];
  forecaster: OnlineForecaster;
  tickMs: number;
  forecastMaxAgeMs?: number;
}

/** shadowscale: the online forecaster and the planner, applied to the simulated fleet at every tick. */
export function shadowscaleController(o: ShadowscaleControllerOptions): Controller {
  let lastTickMs = Number.NEGATIVE_INFINITY;
  let lastPlan: FleetPlan | undefined;
  let lastForecast: QuantileForecast | undefined;
  // One array for the forecaster, filled as rows become known; rows not yet seen stay NaN, so
  // the forecaster can neither read the future nor be handed a new array (and refit) each tick.
  let known = new Float64Array(0);
  let knownUpTo = 0;
  const reveal = (history: Float64Array) => {
    if (history.length > known.length) {
      const grown = new Float64Array(Math.max(history.length, known.length * 2, 1024)).fill(Number.NaN);
      grown.set(known.subarray(0, knownUpTo));
      known = grown;
    }
    known.set(history.subarray(knownUpTo), knownUpTo);
    knownUpTo = history.length;
  };
  return {
    name: 'shadowscale',
    decide({ fleet, history, t, tMs, stepMs }) {
      if (tMs - lastTickMs < o.tickMs && fleet.migs.size > 0) return forecastAt(lastForecast, t);
      lastTickMs = tMs;
      reveal(history);
      const forecast = o.forecaster.observe(known, t);
      lastForecast = forecast;
      const workloadPlan = lastPlan?.workloads[0];
      const state = { observedAt: new Date(tMs).toISOString(), workloads: [statusFromFleet(o.workload.name, fleet, workloadPlan, tMs)] };
      const { plan, decisions } = planFleet({
        now: state.observedAt,
        config: { workloads: [o.workload], events: [], totalGuardrails: { maxVms: o.workload.guardrails.maxVms, maxSpendPerHour: o.workload.guardrails.maxSpendPerHour }, quantiles: o.quantiles },
        forecasts: { [o.workload.name]: forecast },
        state,
        forecastMaxAgeMs: o.forecastMaxAgeMs ?? Math.max(o.tickMs, stepMs) * 2,
        tickMs: Math.max(o.tickMs, stepMs),
        previous: lastPlan,
      });
      lastPlan = plan;
      fleet.configure(settingsFromPlan(plan.workloads[0], tMs));
      return { ...forecastAt(forecast, t), decisions };
    },
  };
}

function forecastAt(f: QuantileForecast | undefined, t: number): ControllerOutput {
  if (!f) return {};
  const h = t - f.origin;
  const pick = (q: number) => {
    const key = Object.keys(f.quantiles).find((k) => Math.abs(Number(k) - q) < 1e-9);
    const v = key ? f.quantiles[key][h] : undefined;
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  };
  const out: ControllerOutput = {};
  const p50 = pick(0.5);
  const p95 = pick(0.95);
  if (p50 !== undefined) out.forecastP50 = p50;
  if (p95 !== undefined) out.forecastP95 = p95;
  return out;
}

export { lastFinite };
