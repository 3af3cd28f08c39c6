/**
 * Test data for the planner: a workload, a fleet state and quantile forecasts built from plain
 * numbers. Everything is generated here; nothing is read from traces.
 */
import type { QuantileForecast } from '../../forecaster/types';
import type { WorkloadConfig } from '../../automation/config-types';
import type { FleetPlan, FleetState, GenerationStatus } from '../../automation/fleet-plan';
import type { PlannerConfig } from '../../automation/plan';

export const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);
export const STEP = 60_000;
export const LEVELS = [0.5, 0.9, 0.95, 0.99];

export function workload(over: Partial<WorkloadConfig> = {}): WorkloadConfig {
  return {
    name: 'web',
    region: 'us-central1',
    port: 8080,
    healthCheckPath: '/healthz',
    image: 'debian-12',
    templateVersion: 'v1',
    history: { source: 'file' },
    signals: [{ name: 'requests', capacityPerVm: 10 }],
    unservedPenaltyPerVmHour: 19,
    targetUtilization: 0.6,
    latencies: { bootSec: 240, resumeSec: 60, startSec: 120 },
    guardrails: { maxVms: 1000, maxSpendPerHour: 1e6, maxWeightStepPerTick: 250, freeze: false, drainSec: 600 },
    placements: [
      { id: 'a/n2', zone: 'us-central1-a', region: 'us-central1', machineType: 'n2-standard-4', pricePerHour: 1, suspendedPricePerHour: 0.08, stoppedPricePerHour: 0.04 },
      { id: 'b/n2', zone: 'us-central1-b', region: 'us-central1', machineType: 'n2-standard-4', pricePerHour: 1.2, suspendedPricePerHour: 0.1, stoppedPricePerHour: 0.05 },
    ],
    priority: 1,
    horizonSec: 7200,
    contentionThreshold: 0.2,
    ...over,
  };
}

export function config(workloads: WorkloadConfig[] = [workload()], over: Partial<PlannerConfig> = {}): PlannerConfig {
  return { workloads, events: [], totalGuardrails: { maxVms: 100_000, maxSpendPerHour: 1e9 }, quantiles: LEVELS, ...over };
}

/**
 * A forecast whose median follows `median(h)` and whose upper levels sit `spread` (relative)
 * above it per level step: 0.9 -> +spread, 0.95 -> +2 spread, 0.99 -> +4 spread.
 */
export function forecastOf(median: (h: number) => number, opts: { originMs?: number; horizon?: number; spread?: number } = {}): QuantileForecast {
  const horizon = opts.horizon ?? 60;
  const spread = opts.spread ?? 0.05;
  const originMs = opts.originMs ?? T0 + STEP;
  const bump: Record<string, number> = { '0.5': 0, '0.9': 1, '0.95': 2, '0.99': 4 };
  const quantiles: Record<string, number[]> = {};
  for (const l of LEVELS) quantiles[String(l)] = Array.from({ length: horizon }, (_, h) => median(h) * (1 + bump[String(l)] * spread));
  return { model: 'test', stepMs: STEP, origin: 0, originTime: new Date(originMs).toISOString(), horizon, quantiles };
}

/**
 * A generation's status as the planner reads it. `templateVersion` is the field the planner asks
 * GenerationStatus to carry (automation/plan.ts ObservedGeneration); the fixtures report it.
 */
export type ObservedStatus = GenerationStatus & { templateVersion?: string };

export function gen(over: Partial<ObservedStatus> & { name: string }): ObservedStatus {
  return { role: 'primary', state: 'active', placementId: 'a/n2', running: 10, suspended: 0, stopped: 0, weight: 1000, healthy: true, since: new Date(T0 - 86_400_000).toISOString(), templateVersion: 'v1', ...over };
}

export function state(generations: GenerationStatus[], workloadName = 'web', atMs = T0): FleetState {
  return { observedAt: new Date(atMs).toISOString(), workloads: [{ workload: workloadName, generations }] };
}

/** The state a fleet would report after applying `plan` with every generation healthy and at its floor. */
export function stateAfter(plan: FleetPlan, atMs: number, overrides: (g: ObservedStatus) => ObservedStatus = (g) => g): FleetState {
  return {
    observedAt: new Date(atMs).toISOString(),
    workloads: plan.workloads.map((w) => ({
      workload: w.workload,
      generations: w.generations.map((g) => overrides({ name: g.name, role: g.role, state: g.state, placementId: g.placement.id, running: g.running, suspended: g.suspended, stopped: g.stopped, weight: g.weight, healthy: true, since: g.since, templateVersion: g.instanceTemplate.version })),
    })),
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();
