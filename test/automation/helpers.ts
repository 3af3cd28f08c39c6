/**
 * Builders shared by the automation tests: a config, stub forecast/plan functions, an
 * in-memory records store and an event sink that keeps what it was sent.
 */
import type { QuantileForecast, Series } from '../../forecaster/types';
import type { ShadowscaleConfig, WorkloadConfig } from '../../automation/config-types';
import type { Decision, FleetPlan, GenerationPlan, WorkloadPlan } from '../../automation/fleet-plan';
import type { Clock, EventSink, HistorySource, ModelRecord, RecordsStore } from '../../automation/ports';
import type { ForecastFn, PlanFn } from '../../automation/modes/run-once';

export const NOW = new Date('2025-03-10T12:00:00.000Z');
export const fixedClock = (at: Date = NOW): Clock => ({ now: () => new Date(at.getTime()) });

export function workloadConfig(name: string, overrides: Partial<WorkloadConfig> = {}): WorkloadConfig {
  return {
    name,
    region: 'us-central1',
    port: 8080,
    healthCheckPath: '/healthz',
    image: 'debian-12',
    templateVersion: 'v1',
    history: { source: 'file', file: `${name}.csv`, valueColumn: 'value', timeColumn: 'time' },
    signals: [{ name: 'requests', capacityPerVm: 100 }],
    unservedPenaltyPerVmHour: 5,
    targetUtilization: 0.6,
    latencies: { bootSec: 240, resumeSec: 60, startSec: 120 },
    guardrails: { maxVms: 50, maxSpendPerHour: 100, maxWeightStepPerTick: 200, freeze: false, drainSec: 900 },
    placements: [
      { id: 'us-central1-a/n2-standard-4', zone: 'us-central1-a', region: 'us-central1', machineType: 'n2-standard-4', pricePerHour: 0.2, suspendedPricePerHour: 0.016, stoppedPricePerHour: 0.008 },
      { id: 'us-central1-b/n2d-standard-4', zone: 'us-central1-b', region: 'us-central1', machineType: 'n2d-standard-4', pricePerHour: 0.17, suspendedPricePerHour: 0.014, stoppedPricePerHour: 0.007 },
    ],
    priority: 1,
    horizonSec: 3600,
    contentionThreshold: 0.2,
    ...overrides,
  };
}

export function shadowscaleConfig(names: string[], overrides: Partial<ShadowscaleConfig> = {}): ShadowscaleConfig {
  return {
    file: 'shadowscale.yaml',
    version: 1,
    tickSec: 300,
    quantiles: [0.5, 0.95],
    totalGuardrails: { maxVms: 200, maxSpendPerHour: 500 },
    recordsPath: '.shadowscale/records.duckdb',
    deployer: { kind: 'sim', stackPrefix: 'prod', concurrency: 2, retries: 2, stack: {} },
    workloads: names.map((n) => workloadConfig(n)),
    events: [],
    ...overrides,
  };
}

/** History whose last point is `lagMs` before NOW, on a 60 s grid. */
export function historyEndingAt(lagMs: number, points = 120): (w: WorkloadConfig) => HistorySource {
  return (w) => ({
    read: async () => {
      const stepMs = 60_000;
      const lastMs = NOW.getTime() - lagMs;
      const values = Float64Array.from({ length: points }, (_, i) => 200 + 50 * Math.sin(i / 10));
      const series: Series = { name: `${w.name}.csv:value`, startMs: lastMs - (points - 1) * stepMs, stepMs, values };
      return series;
    },
  });
}

/** A forecast starting one step after the series ends, flat at the series' last value. */
export const flatForecast: ForecastFn = async (series, options) => {
  const last = series.values[series.values.length - 1];
  const quantiles: Record<string, number[]> = {};
  for (const q of options.quantiles) quantiles[String(q)] = Array.from({ length: options.horizon }, (_, h) => last * (1 + q) + h);
  return {
    model: 'stub-flat',
    stepMs: series.stepMs,
    origin: series.values.length,
    originTime: new Date(series.startMs + series.values.length * series.stepMs).toISOString(),
    horizon: options.horizon,
    quantiles,
  };
};

export function generation(name: string, overrides: Partial<GenerationPlan> = {}): GenerationPlan {
  const w = workloadConfig('x');
  return {
    name,
    role: 'primary',
    state: 'active',
    placement: { ...w.placements[0] },
    instanceTemplate: { machineType: 'n2-standard-4', image: 'debian-12', version: 'v1' },
    minReplicas: 2,
    maxReplicas: 20,
    targetUtilization: 0.6,
    running: 3,
    suspended: 0,
    stopped: 0,
    scalingSchedules: [],
    weight: 1000,
    mirror: false,
    since: '2025-03-01T00:00:00.000Z',
    ...overrides,
  };
}

export function workloadPlan(workload: string, generations: GenerationPlan[]): WorkloadPlan {
  return { workload, region: 'us-central1', port: 8080, healthCheckPath: '/healthz', generations };
}

/**
 * A planner stub: a primary sized from the forecast's highest quantile plus a standby shadow.
 * Records what it was given, so tests can check what reached it.
 */
export function stubPlanner(): PlanFn & { inputs: Parameters<PlanFn>[0][] } {
  const inputs: Parameters<PlanFn>[0][] = [];
  const plan = ((input: Parameters<PlanFn>[0]) => {
    inputs.push(input);
    const workloads: WorkloadPlan[] = [];
    const decisions: Decision[] = [];
    for (const w of input.config.workloads) {
      const f = input.forecasts[w.name];
      const levels = Object.keys(f.quantiles).sort((a, b) => Number(a) - Number(b));
      const peak = Math.max(...f.quantiles[levels[levels.length - 1]]);
      const running = Math.ceil(peak / (w.signals[0].capacityPerVm * w.targetUtilization));
      workloads.push(workloadPlan(w.name, [
        generation(`${w.name}-g1`, { running, minReplicas: running }),
        generation(`${w.name}-g2`, { role: 'shadow', state: 'standby', running: 0, minReplicas: 0, suspended: 2, weight: 0, placement: { ...w.placements[1] } }),
      ]));
      decisions.push({ workload: w.name, code: 'floor.raise', message: `p${levels[levels.length - 1]} peak ${peak.toFixed(0)} needs ${running} VMs`, numbers: { peak, running }, generation: `${w.name}-g1` });
      decisions.push({ workload: w.name, code: 'shadow.standby', message: 'contention risk above threshold: keep 2 suspended VMs', numbers: { suspended: 2 }, generation: `${w.name}-g2` });
    }
    const fleet: FleetPlan = { version: 1, createdAt: input.now.toISOString(), workloads };
    return { plan: fleet, decisions };
  }) as PlanFn & { inputs: Parameters<PlanFn>[0][] };
  plan.inputs = inputs;
  return plan;
}

export class MemoryRecords implements RecordsStore {
  forecasts: { workload: string; forecast: QuantileForecast; createdAt: string }[] = [];
  decisions: { decisions: Decision[]; at: string }[] = [];
  failWith?: Error;
  async saveModel(record: Omit<ModelRecord, 'version'>): Promise<ModelRecord> {
    return { ...record, version: 1 };
  }
  async latestModel(): Promise<ModelRecord | undefined> {
    return undefined;
  }
  async saveForecast(workload: string, forecast: QuantileForecast, createdAt: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.forecasts.push({ workload, forecast, createdAt });
  }
  async forecastsSince(workload: string, since: string): Promise<(QuantileForecast & { createdAt: string })[]> {
    return this.forecasts.filter((x) => x.workload === workload && x.createdAt >= since).map((f) => ({ ...f.forecast, createdAt: f.createdAt }));
  }
  async saveDecisions(decisions: Decision[], at: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.decisions.push({ decisions, at });
  }
  async close(): Promise<void> {}
}

export class CollectingSink implements EventSink {
  events: Parameters<EventSink['emit']>[0][] = [];
  emit(event: Parameters<EventSink['emit']>[0]): void {
    this.events.push(event);
  }
  codes(): string[] {
    return this.events.map((e) => e.code);
  }
}
