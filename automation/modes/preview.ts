/**
 * The PR preview: what merging this configuration would do to each workload's fleet.
 * Forecasts are made once (from the new configuration's history settings) and both the base
 * and the new configuration are planned from them, so the difference shown is the
 * configuration change and not a change in demand.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import type { QuantileForecast } from '../../forecaster/types';
import type { PlacementConfig, ShadowscaleConfig, SignalConfig, WorkloadConfig } from '../config-types';
import type { FleetPlan, FleetState, GenerationPlan, WorkloadPlan, WorkloadStatus } from '../fleet-plan';
import { type Clock, type Deployer, type EventSink, type HistorySource, type PreviewResult } from '../ports';
import { describeError, inputError } from '../errors';
import { planIsolated, summarizeForecast, type ForecastFn, type ModelRegistryHooks, type PlanFn } from './run-once';
import { forecastWorkload } from './forecast-workload';
import type { PrPreview, PrPreviewWorkload, GenerationRow } from '../render/pr-markdown';

export interface PreviewContext {
  config: ShadowscaleConfig;
  /** The configuration on the base branch; undefined when the file is new or no --base. */
  baseConfig?: ShadowscaleConfig;
  baseRef?: string;
  clock: Clock;
  /** A signal's history; without one, the workload's first signal's. */
  history: (workload: WorkloadConfig, signal?: SignalConfig) => HistorySource;
  forecast: ForecastFn;
  /** The model registry, read only: the model a tick would use (a preview records nothing). */
  models?: Pick<ModelRegistryHooks, 'choose'>;
  plan: PlanFn;
  sink: EventSink;
  /**
   * Offline: resource changes from running the stack program under mocks for the base and
   * the new plan (automation/adapters/offline-preview.ts). Online: `pulumi preview` of the
   * new plan against the live stacks.
   */
  changes: { kind: 'offline'; offlinePreview: (current: FleetPlan | undefined, next: FleetPlan) => Promise<PreviewResult> } | { kind: 'pulumi'; deployer: Deployer };
}

/** Hourly cost of a planned workload: running floor, suspended and stopped pools at their prices. */
export function planCostPerHour(plan: WorkloadPlan): number {
  return plan.generations.reduce(
    (sum, g) => sum + Math.max(g.running, g.minReplicas) * g.placement.pricePerHour + g.suspended * g.placement.suspendedPricePerHour + g.stopped * g.placement.stoppedPricePerHour,
    0,
  );
}

/** Hourly cost of the fleet as it is; a generation on a placement no longer in the config is priced NaN. */
export function stateCostPerHour(status: WorkloadStatus, placements: readonly PlacementConfig[]): number {
  const byId = new Map(placements.map((p) => [p.id, p]));
  return status.generations.reduce((sum, g) => {
    const p = byId.get(g.placementId);
    if (!p) return Number.NaN;
    return sum + g.running * p.pricePerHour + g.suspended * p.suspendedPricePerHour + g.stopped * p.stoppedPricePerHour;
  }, 0);
}

function row(g: GenerationPlan): GenerationRow {
  return { name: g.name, role: g.role, state: g.state, placementId: g.placement.id, running: Math.max(g.running, g.minReplicas), suspended: g.suspended, stopped: g.stopped, weight: g.weight };
}

/** Generations of the base plan vs the new one, by stable name. */
export function generationChanges(base: WorkloadPlan | undefined, next: WorkloadPlan | undefined): PrPreviewWorkload['generations'] {
  const before = new Map((base?.generations ?? []).map((g) => [g.name, row(g)]));
  const after = new Map((next?.generations ?? []).map((g) => [g.name, row(g)]));
  const names = [...new Set([...before.keys(), ...after.keys()])];
  return names.map((name) => {
    const b = before.get(name);
    const a = after.get(name);
    const change = !b ? 'added' : !a ? 'removed' : JSON.stringify(a) === JSON.stringify(b) ? 'same' : 'changed';
    return { name, change, before: b, after: a };
  });
}

export async function buildPreview(ctx: PreviewContext, signal: AbortSignal): Promise<PrPreview> {
  const now = ctx.clock.now();
  const newNames = ctx.config.workloads.map((w) => w.name);
  const baseOnly = (ctx.baseConfig?.workloads ?? []).filter((w) => !newNames.includes(w.name));
  const all: WorkloadConfig[] = [...ctx.config.workloads, ...baseOnly];
  const rows = new Map<string, PrPreviewWorkload>(all.map((w) => [w.name, { workload: w.name, decisions: [], changes: [], generations: [] }]));

  const forecasts: Record<string, QuantileForecast> = {};
  for (const w of all) {
    try {
      signal.throwIfAborted();
      // The tick's own path and the model it would choose (the registry read, never written),
      // so the preview plans from the same combined forecast a tick would.
      const made = await forecastWorkload({ history: ctx.history, forecast: ctx.forecast, models: ctx.models, quantiles: ctx.config.quantiles }, w, now, signal);
      forecasts[w.name] = made.forecast;
      rows.get(w.name)!.forecast = summarizeForecast(made.forecast, made);
    } catch (error) {
      rows.get(w.name)!.error = `forecast: ${describeError(error)}`;
    }
  }

  let state: FleetState = { observedAt: now.toISOString(), workloads: [] };
  if (ctx.changes.kind === 'pulumi') state = await ctx.changes.deployer.state({ signal });
  // A workload whose stack cannot be read is not previewed against a guessed fleet.
  for (const u of state.unreadable ?? []) {
    const row = rows.get(u.workload);
    if (row) row.error ??= `read fleet state: ${u.error}`;
    delete forecasts[u.workload];
  }

  const planWith = (config: ShadowscaleConfig | undefined): Map<string, WorkloadPlan> => {
    const planned = new Map<string, WorkloadPlan>();
    if (!config) return planned;
    const mine = Object.fromEntries(Object.entries(forecasts).filter(([n]) => config.workloads.some((w) => w.name === n)));
    for (const [name, outcome] of planIsolated(ctx.plan, { now, config, forecasts: mine, state })) {
      if (outcome.plan) planned.set(name, outcome.plan);
      if (config === ctx.config) {
        const r = rows.get(name)!;
        r.decisions = outcome.decisions;
        if (outcome.error) r.error = `plan: ${describeError(outcome.error)}`;
      }
    }
    return planned;
  };
  const basePlans = planWith(ctx.baseConfig);
  const newPlans = planWith(ctx.config);
  const asFleet = (plans: Map<string, WorkloadPlan>): FleetPlan => ({ version: 1, createdAt: now.toISOString(), workloads: [...plans.values()] });

  let log: string | undefined;
  try {
    const result = ctx.changes.kind === 'offline'
      ? await ctx.changes.offlinePreview(ctx.baseConfig ? asFleet(basePlans) : undefined, asFleet(newPlans))
      : await ctx.changes.deployer.preview(asFleet(newPlans), { signal });
    log = result.log;
    for (const c of result.changes) rows.get(c.workload)?.changes.push(c);
  } catch (error) {
    for (const name of newPlans.keys()) rows.get(name)!.error ??= `resource preview: ${describeError(error)}`;
  }

  for (const w of all) {
    const r = rows.get(w.name)!;
    const base = basePlans.get(w.name);
    const next = newPlans.get(w.name);
    r.generations = generationChanges(base, next);
    const status = state.workloads.find((s) => s.workload === w.name);
    const baseCost = base ? planCostPerHour(base) : !ctx.baseConfig && status ? stateCostPerHour(status, w.placements) : ctx.baseConfig ? 0 : undefined;
    r.cost = { basePerHour: baseCost, newPerHour: next ? planCostPerHour(next) : 0, baseLabel: ctx.baseConfig ? 'base plan' : status ? 'fleet now' : 'nothing' };
  }

  ctx.sink.emit({ code: 'preview.built', severity: 'INFO', message: `preview of ${all.length} workload(s) (${ctx.changes.kind})` });
  return {
    configFile: ctx.config.file,
    baseRef: ctx.baseRef,
    source: ctx.changes.kind,
    createdAt: now.toISOString(),
    workloads: [...rows.values()],
    log,
  };
}

/**
 * The configuration file as it is at `ref` (e.g. origin/main), or undefined when the file
 * does not exist there (a new configuration). Other git failures are errors naming the ref.
 */
export async function readFileAtRef(ref: string, file: string): Promise<string | undefined> {
  if (!/^[\w./@^~{}-]+$/.test(ref) || ref.startsWith('-')) throw inputError('input.flag', { field: '--base' }, `expected a git ref such as origin/main, got "${ref}"`);
  try {
    // "./name" is relative to the cwd, so the file's own directory works inside any repo layout.
    const { stdout } = await promisify(execFile)('git', ['show', `${ref}:./${basename(file)}`], { cwd: dirname(file), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    if (/does not exist in|exists on disk, but not in/.test(stderr)) return undefined;
    throw inputError('input.git', { file, field: '--base' }, `could not read the file at git ref "${ref}": ${stderr.trim() || describeError(error)}`);
  }
}
