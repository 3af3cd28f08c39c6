/**
 * Generated replay and backtest data for the report tests: a daily cycle with noise and one
 * spike, a controller that keeps a pool and shifts weights to a shadow generation.
 */
import type { ReplayResult, ReplayStep } from '../../automation/replay-types';
import type { BacktestReportInput } from '../../automation/render/report';

/** Small deterministic PRNG (mulberry32) so fixtures are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const START_MS = Date.UTC(2025, 0, 6, 0, 0, 0);
export const STEP_MS = 60_000;

export function demandAt(i: number, random: () => number, spikeAt: number): number {
  const daily = 400 + 300 * Math.sin((2 * Math.PI * i) / 1440 - Math.PI / 2);
  const spike = i >= spikeAt && i < spikeAt + 20 ? 900 : 0;
  return Math.max(0, daily + spike + 30 * (random() - 0.5));
}

export function makeReplay(options: { controller: string; steps: number; seed: number; spikeAt?: number; withForecast?: boolean; withWeights?: boolean; costFactor?: number }): ReplayResult {
  const random = prng(options.seed);
  const capacityPerVm = 50;
  const spikeAt = options.spikeAt ?? Math.floor(options.steps * 0.6);
  const factor = options.costFactor ?? 1.2;
  const steps: ReplayStep[] = [];
  let served = 0;
  let total = 0;
  let cost = 0;
  let oracleCost = 0;
  let shortSteps = 0;
  for (let i = 0; i < options.steps; i++) {
    const demand = demandAt(i, random, spikeAt);
    const need = Math.ceil(demand / capacityPerVm);
    const running = Math.ceil(need * factor);
    const ready = i >= spikeAt && i < spikeAt + 3 ? Math.min(running, need - 3) : running;
    const servedNow = Math.min(demand, ready * capacityPerVm);
    if (servedNow < demand) shortSteps++;
    served += servedNow;
    total += demand;
    const suspended = 4;
    const stopped = 2;
    const stepCost = running + 0.08 * suspended + 0.04 * stopped;
    cost += stepCost;
    oracleCost += need;
    const step: ReplayStep = { t: new Date(START_MS + i * STEP_MS).toISOString(), demand, running, suspended, stopped, ready, served: servedNow, cost: stepCost };
    if (options.withForecast) {
      step.forecastP50 = demand * (0.95 + 0.1 * random());
      step.forecastP95 = step.forecastP50 * 1.25;
    }
    if (options.withWeights) {
      const shifted = Math.min(1000, Math.max(0, Math.round(((i - spikeAt + 60) / 60) * 1000)));
      step.weights = { 'web-g1': 1000 - shifted, 'web-g2': shifted };
    }
    steps.push(step);
  }
  return {
    controller: options.controller,
    stepMs: STEP_MS,
    capacityPerVm,
    steps,
    summary: { controller: options.controller, steps: options.steps, servedPct: (100 * served) / total, cost, oracleCost, costVsOracle: cost / oracleCost, shortSteps },
    decisions: [
      { t: steps[Math.min(1, steps.length - 1)]!.t, workload: 'web', code: 'shadow.create', message: 'forecast p95 exceeds primary capacity in 30 min', numbers: { p95: 1234.5, capacity: 1000 }, generation: 'web-g2' },
      { t: steps[Math.min(steps.length - 1, Math.max(0, spikeAt - 60))]!.t, workload: 'web', code: 'weight.shift', message: 'shift traffic to the shadow', numbers: { from: 1000, to: 500 }, generation: 'web-g2' },
    ],
  };
}

export function makeBacktest(options: { points: number; origins: number; horizon: number; seed: number }): BacktestReportInput {
  const random = prng(options.seed);
  const values = Array.from({ length: options.points }, (_, i) => demandAt(i, random, Math.floor(options.points * 0.7)));
  const series = values.map((v, i) => ({ t: new Date(START_MS + i * STEP_MS).toISOString(), value: i === 5 ? null : v }));
  const origins = Array.from({ length: options.origins }, (_, k) => {
    const origin = Math.floor(options.points / 2) + k * options.horizon;
    const median = Array.from({ length: options.horizon }, (_, h) => values[origin + h] ?? 0).map((v) => v * 0.97);
    return {
      origin,
      time: new Date(START_MS + origin * STEP_MS).toISOString(),
      quantiles: { '0.05': median.map((m) => m * 0.8), '0.5': median, '0.95': median.map((m) => m * 1.2) },
      actuals: Array.from({ length: options.horizon }, (_, h) => values[origin + h] ?? null),
    };
  });
  return {
    title: 'Backtest of web',
    source: 'web.csv; shadowscale backtest web.csv --column rps',
    stepMs: STEP_MS,
    series,
    origins,
    scores: {
      mstl: { pinball: 4.2, mase: 0.61, coverage: { '0.05': 0.06, '0.5': 0.52, '0.95': 0.94 } },
      'seasonal-naive': { pinball: 7.9, mase: 1, coverage: { '0.05': 0.1, '0.5': 0.49, '0.95': 0.88 } },
    },
    selected: 'mstl',
  };
}
