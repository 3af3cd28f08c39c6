/**
 * One tick of shadowscale, shared by every mode (loop, Cloud Run job, PR preview):
 * history → forecast → fleet state → plan → validate → preview/apply → records → events.
 *
 * Everything is injected, so the same function runs against the fleet simulator, the Pulumi
 * deployer, or a fake. A workload that fails is reported, with what the failure left of its fleet
 * (`failureAftermath`); the others go on.
 */
import type { QuantileForecast, Series } from '../../forecaster/types';
import type { ShadowscaleConfig, SignalConfig, WorkloadConfig } from '../config-types';
import type { Decision, FleetPlan, FleetState, WorkloadPlan, WorkloadStatus } from '../fleet-plan';
import { generationSpendPerHour, generationVms, heldTotals } from '../planner/guardrails';
import { type Clock, type Deployer, type EventSink, type HistorySource, type PreviewResult, type RecordsStore } from '../ports';
import { ShadowscaleError, describeError, errorKindOf, isConcurrentUpdate, type ErrorKind } from '../errors';
import { cancelledError } from '../adapters/retry';
import { mapSettled } from './concurrency';
import { validatePlan } from '../validate';
import { forecastWorkload, horizonSteps, type WorkloadForecast } from './forecast-workload';

export type ResourceChange = PreviewResult['changes'][number];

/** forecaster/index.ts `forecast`, narrowed to what a tick passes. */
export type ForecastFn = (
  series: Series,
  // No `at`: the forecast starts where the history ends, so a stale history shows as a stale
  // forecast. No events: the planner applies configured events, and applying them twice would
  // multiply demand twice.
  // `model`: the registry's recorded model kind; undefined runs selection.
  options: { horizon: number; quantiles: number[]; model?: string; signal?: AbortSignal },
) => Promise<QuantileForecast & { selection?: Record<string, { score: number; calibrationOrigins: number }>; trainEnd?: number }>;

/**
 * The model registry's part of a tick (automation/modes/model-registry.ts), keyed by signal:
 * the bare workload name for its first signal, `<workload>/<signal>` for the others
 * (forecast-workload.ts signalKey).
 */
export interface ModelRegistryHooks {
  choose(key: string, series: Series, now: Date): Promise<{ model?: string; decision: { retrain: boolean; reason: string; message: string } }>;
  record(key: string, series: Series, forecast: Awaited<ReturnType<ForecastFn>>, now: Date): Promise<{ version: number; kind: string }>;
}

/** Called with the tick's fresh forecasts, e.g. to publish them as Cloud Monitoring metrics. */
export type ForecastPublisher = (forecasts: { workload: string; forecast: QuantileForecast; at: Date }[], signal: AbortSignal) => Promise<string[]>;

/** automation/plan.ts `planFleet`: pure, no I/O. */
export type PlanFn = (input: {
  now: Date;
  config: ShadowscaleConfig;
  forecasts: Record<string, QuantileForecast>;
  state: FleetState;
  /** Per workload, how old a forecast may be before the planner holds (runOnce's one rule). */
  forecastMaxAgeMs?: Record<string, number>;
}) => {
  plan: FleetPlan;
  decisions: Decision[];
};

export interface RunContext {
  config: ShadowscaleConfig;
  clock: Clock;
  deployer: Deployer;
  /** A signal's history; without one, the workload's first signal's. */
  history: (workload: WorkloadConfig, signal?: SignalConfig) => HistorySource;
  forecast: ForecastFn;
  plan: PlanFn;
  records: RecordsStore;
  /** Reuse recorded models until a retrain trigger fires; without it, every tick selects. */
  models?: ModelRegistryHooks;
  /** Receives the fresh forecasts after planning; returns warnings. */
  publish?: ForecastPublisher;
  sink: EventSink;
  /** "apply" changes the fleet; "preview" only asks the deployer what would change. */
  mode: 'apply' | 'preview';
  /** The workloads this process owns (a Cloud Run task's shard); all when undefined. */
  workloads?: readonly string[];
  /**
   * A forecast whose first step is further than this behind now is stale: the history has
   * stopped arriving, so acting on it would act on the past. Default: see staleLimitMs.
   */
  staleAfterMs?: number;
}

export interface ForecastSummary {
  model: string;
  originTime: string;
  stepMs: number;
  horizonSteps: number;
  /** Quantile levels, ascending, as keys ("0.5", "0.95"). */
  levels: string[];
  /** Each level at the first forecast step. */
  next: Record<string, number>;
  /** Each level's largest value over the horizon. */
  peak: Record<string, number>;
  /** When the highest level peaks. */
  peakAt: string;
  /** With two or more signals: the one whose need is largest at the peak. */
  bindingAtPeak?: string;
  /** With two or more signals: each one's model (the values above are in the first one's units). */
  signals?: { name: string; model: string; capacityPerVm: number }[];
}

export interface RunOnceResult {
  workload: string;
  ok: boolean;
  /** Why the workload failed (ok = false). */
  error?: string;
  errorKind?: ErrorKind;
  /** True when the deployer applied a plan for this workload in this tick. */
  applied: boolean;
  decisions: Decision[];
  changes: ResourceChange[];
  forecastSummary?: ForecastSummary;
  /** Problems that did not stop the workload (e.g. records not saved). */
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// Pure helpers.

/**
 * A held workload is left as it is (not applied), unless the planner acted on health or
 * safety during the hold: a failover, or a trim to the guardrails.
 */
export function isHeld(decisions: readonly Decision[]): boolean {
  return decisions.some((d) => d.code.startsWith('hold.')) && !decisions.some((d) => d.code === 'failover' || d.code === 'failover.prepare-replacement' || d.code.startsWith('guardrail.'));
}

export function summarizeForecast(forecast: QuantileForecast, bySignal?: Pick<WorkloadForecast, 'binding' | 'signals'>): ForecastSummary {
  const levels = Object.keys(forecast.quantiles).sort((a, b) => Number(a) - Number(b));
  if (levels.length === 0) throw new ShadowscaleError('internal', 'forecast.empty', `forecast from model "${forecast.model}" has no quantiles`);
  const next: Record<string, number> = {};
  const peak: Record<string, number> = {};
  for (const level of levels) {
    const values = forecast.quantiles[level];
    next[level] = values[0];
    peak[level] = Math.max(...values);
  }
  const top = forecast.quantiles[levels[levels.length - 1]];
  const peakIndex = top.indexOf(peak[levels[levels.length - 1]]);
  return {
    model: forecast.model,
    originTime: forecast.originTime,
    stepMs: forecast.stepMs,
    horizonSteps: forecast.horizon,
    levels,
    next,
    peak,
    peakAt: new Date(Date.parse(forecast.originTime) + Math.max(0, peakIndex) * forecast.stepMs).toISOString(),
    ...(bySignal && bySignal.signals.length > 1
      ? {
          bindingAtPeak: bySignal.binding[Math.max(0, peakIndex)],
          signals: bySignal.signals.map((s) => ({ name: s.signal.name, model: s.forecast.model, capacityPerVm: s.signal.capacityPerVm })),
        }
      : {}),
  };
}

/**
 * Two ticks, or three steps of the series for slow series: history may lag a little
 * (monitoring export delay), but a forecast that starts further back acts on the past.
 */
export function staleLimitMs(tickSec: number, stepMs: number): number {
  return Math.max(2 * tickSec * 1000, 3 * stepMs);
}

/** How far the forecast's first step lies behind now, in ms (negative: in the future). */
export function forecastAgeMs(forecast: QuantileForecast, now: Date): number {
  return now.getTime() - Date.parse(forecast.originTime);
}

export { horizonSteps };

/**
 * Why a model was selected, from the selection's scores: the ensemble of the best candidates is
 * kept unless a single model scores clearly lower (forecaster/select.ts clearlyLower), so a
 * single model with a slightly lower mean is not chosen, which reads as a contradiction unsaid.
 */
export function selectionText(kind: string, selection: Record<string, { score: number }> | undefined): string {
  const ranked = Object.entries(selection ?? {}).filter(([, v]) => Number.isFinite(v.score)).sort((a, b) => a[1].score - b[1].score);
  if (!ranked.length) return 'no selection scores';
  const scores = `selection scores (mean pinball, cross-calibrated on the calibration origins): ${ranked.map(([m, v]) => `${m} ${v.score.toPrecision(4)}`).join(', ')}`;
  const lowest = ranked[0]![0];
  if (kind === 'ensemble' && lowest !== kind) return `${scores}; the ensemble is kept unless a single model scores lower by more than two standard errors of the difference, and ${lowest} does not`;
  return scores;
}

/**
 * The plan re-checked just before acting (automation/validate.ts), one workload at a time:
 * invariants, per-workload guardrails and make-before-break against the fleet as read in this
 * tick, whatever the planner did. Totals across workloads are recheckTotals' job.
 */
export function checkPlanBeforeActing(plan: WorkloadPlan, config: ShadowscaleConfig, state: FleetState): string[] {
  const fleet: FleetPlan = { version: 1, createdAt: state.observedAt, workloads: [plan] };
  const scoped = { ...scopeConfig(config, new Set([plan.workload])), totalGuardrails: { maxVms: Infinity, maxSpendPerHour: Infinity } };
  return validatePlan(fleet, scoped, state).map((v) => `${v.code}${v.generation ? ` (${v.generation})` : ''}: ${v.message}`);
}

/**
 * The configuration narrowed to some workloads, with the events that concern them (an event for
 * a workload outside the group would name a workload the narrowed config does not hold, which
 * the planner rejects: every job shard without that workload failed).
 */
export function scopeConfig<C extends Pick<ShadowscaleConfig, 'workloads' | 'events'>>(config: C, names: ReadonlySet<string>): C {
  return { ...config, workloads: config.workloads.filter((w) => names.has(w.name)), events: config.events.filter((e) => e.workload === undefined || names.has(e.workload)) };
}

export interface Usage {
  vms: number;
  spendPerHour: number;
}

/**
 * A workload's fleet as observed, priced from its configured placements. A generation on a
 * placement no longer in the config is priced at the dearest configured one: a guardrail errs
 * towards refusing.
 */
export function observedUsage(workload: WorkloadConfig, status: WorkloadStatus | undefined): Usage {
  const dearest = workload.placements.reduce((a, b) => (b.pricePerHour > a.pricePerHour ? b : a), workload.placements[0]);
  let vms = 0;
  let spendPerHour = 0;
  for (const g of status?.generations ?? []) {
    const placement = workload.placements.find((x) => x.id === g.placementId) ?? dearest;
    vms += generationVms(g);
    if (placement) spendPerHour += generationSpendPerHour({ ...g, placement });
  }
  return { vms, spendPerHour };
}

/**
 * What a plan will hold once applied (planner/guardrails.ts heldRunning): the plan sets floors,
 * pools and autoscaler caps; the autoscaler keeps what runs now above a floor, up to its
 * maxReplicas, so a generation counts at the larger of its floor and what runs now capped at its
 * maxReplicas (a cap below what runs now scales the group in). The planner's total trim counts
 * the same way, so a trim it made is the trim checked here.
 */
export function plannedUsage(plan: WorkloadPlan, status: WorkloadStatus | undefined): Usage {
  return heldTotals([plan], new Map(status?.generations.map((s) => [s.name, s.running])));
}

/**
 * The total caps left for the workloads planned together in this tick. Every other workload of
 * this process (its forecast failed, it is held) keeps its fleet, and that fleet counts against
 * the caps. Another shard's workloads count as observed too, but never below this shard's fair
 * share of the caps (its workloads' share of all workloads): counted in full, the first shard to
 * plan took the caps and a later one could not get even its first VM, tick after tick, since no
 * shard sees the others' demand. Each shard then keeps to its share while the others hold more,
 * and they trim on their next tick. Never below the group's minimum (one VM each in its primary
 * placement, which the planner requires); whatever then still goes over is refused by
 * recheckTotals.
 */
export function capsForGroup(config: ShadowscaleConfig, state: FleetState, group: ReadonlySet<string>, owned?: ReadonlySet<string>): ShadowscaleConfig['totalGuardrails'] {
  const shard = shardCaps(config, state, owned);
  const held = observedTotal(config, state, (name) => !group.has(name) && (!owned || owned.has(name)));
  const members = config.workloads.filter((w) => group.has(w.name));
  const minSpend = members.reduce((sum, w) => sum + (w.placements[0]?.pricePerHour ?? 0), 0);
  return {
    maxVms: Math.max(members.length, shard.maxVms - held.vms),
    maxSpendPerHour: Math.max(minSpend, shard.maxSpendPerHour - held.spendPerHour),
  };
}

/** The observed usage of the configured workloads `which` accepts, summed. */
function observedTotal(config: ShadowscaleConfig, state: FleetState, which: (name: string) => boolean): Usage {
  let vms = 0;
  let spendPerHour = 0;
  for (const w of config.workloads) {
    if (!which(w.name)) continue;
    const used = observedUsage(w, state.workloads.find((s) => s.workload === w.name));
    vms += used.vms;
    spendPerHour += used.spendPerHour;
  }
  return { vms, spendPerHour };
}

/**
 * The caps for the workloads this process owns (all of them when it is not a shard): what the
 * other shards leave, or the owned workloads' share of the caps when they leave less.
 */
export function shardCaps(config: ShadowscaleConfig, state: FleetState, owned?: ReadonlySet<string>): ShadowscaleConfig['totalGuardrails'] {
  const { maxVms, maxSpendPerHour } = config.totalGuardrails;
  if (!owned || config.workloads.every((w) => owned.has(w.name))) return { maxVms, maxSpendPerHour };
  const others = observedTotal(config, state, (name) => !owned.has(name));
  const share = config.workloads.filter((w) => owned.has(w.name)).length / config.workloads.length;
  return {
    maxVms: Math.max(Math.floor(maxVms * share), maxVms - others.vms),
    maxSpendPerHour: Math.max(maxSpendPerHour * share, maxSpendPerHour - others.spendPerHour),
  };
}

/**
 * Total guardrails re-checked just before acting, over the workloads this process owns (all of
 * them when it is not a shard) against shardCaps: the plans about to be applied count as
 * planned, every other owned workload as observed. While the total is over a cap, the
 * lowest-priority plan that grows its workload (in VMs or spend) is refused and its workload
 * counts as observed again; a plan that shrinks or keeps its workload is always safe to apply.
 * While some workload's state could not be read the total is unknown, so with finite caps every
 * growth is refused. A failover (in `exempt`) is never refused: moving traffic off a failed
 * primary comes before any cap. Returns the refused workloads with the reason.
 */
export function recheckTotals(config: ShadowscaleConfig, state: FleetState, plans: readonly WorkloadPlan[], exempt: ReadonlySet<string> = new Set(), owned?: ReadonlySet<string>): Map<string, string> {
  const { maxVms, maxSpendPerHour } = shardCaps(config, state, owned);
  const statusOf = (name: string) => state.workloads.find((s) => s.workload === name);
  const mine = config.workloads.filter((w) => !owned || owned.has(w.name));
  const observed = new Map(mine.map((w) => [w.name, observedUsage(w, statusOf(w.name))]));
  const planned = new Map(plans.map((p) => [p.workload, plannedUsage(p, statusOf(p.workload))]));
  const total = (): Usage => {
    let vms = 0;
    let spendPerHour = 0;
    for (const [name, used] of observed) {
      const u = planned.get(name) ?? used;
      vms += u.vms;
      spendPerHour += u.spendPerHour;
    }
    return { vms, spendPerHour };
  };
  const priority = new Map(config.workloads.map((w) => [w.name, w.priority]));
  const growing = plans
    .filter((p) => !exempt.has(p.workload))
    .filter((p) => {
      const before = observed.get(p.workload) ?? { vms: 0, spendPerHour: 0 };
      const after = planned.get(p.workload)!;
      return after.vms > before.vms || after.spendPerHour > before.spendPerHour + 1e-9;
    })
    .sort((a, b) => (priority.get(a.workload) ?? 0) - (priority.get(b.workload) ?? 0) || b.workload.localeCompare(a.workload));
  const refused = new Map<string, string>();
  const unknown = (state.unreadable ?? []).map((u) => u.workload);
  const { maxVms: allVms, maxSpendPerHour: allSpend } = config.totalGuardrails;
  if (unknown.length && (Number.isFinite(allVms) || Number.isFinite(allSpend))) {
    for (const p of growing) refused.set(p.workload, `the total guardrails (${allVms} VMs, ${allSpend}/h) cannot be checked while the fleet of ${unknown.join(', ')} is unknown (its state could not be read), so ${p.workload} keeps its fleet rather than grow`);
    return refused;
  }
  const whole = maxVms === allVms && maxSpendPerHour === allSpend;
  const capsText = whole ? `the total guardrails (${maxVms} VMs, ${maxSpendPerHour}/h)` : `this shard's part of the total guardrails (${maxVms} VMs, ${Number(maxSpendPerHour.toPrecision(6))}/h of ${allVms} VMs, ${allSpend}/h)`;
  for (const p of growing) {
    const t = total();
    if (t.vms <= maxVms && t.spendPerHour <= maxSpendPerHour + 1e-9) break;
    const after = planned.get(p.workload)!;
    refused.set(p.workload, `the ${whole ? 'fleet' : "shard's workloads"} would hold ${t.vms} VMs at ${t.spendPerHour.toFixed(2)}/h, over ${capsText}; ${p.workload} (priority ${priority.get(p.workload) ?? 0}) would grow to ${after.vms} VMs at ${after.spendPerHour.toFixed(2)}/h, so it keeps its fleet`);
    planned.delete(p.workload);
  }
  return refused;
}

// ---------------------------------------------------------------------------------------------
// The tick.

interface Pending {
  config: WorkloadConfig;
  result: RunOnceResult;
  forecast?: QuantileForecast;
  /** Each signal's own forecast, recorded under its registry key for the accuracy trigger. */
  signalForecasts?: { key: string; forecast: QuantileForecast }[];
  /** The planner's age limit for this forecast (measured from the step before its origin). */
  maxAgeMs?: number;
  plan?: WorkloadPlan;
}

/**
 * What a failure at `stage` left of the workload's fleet, for its log line. Every stage before
 * `apply` (and a preview) changes nothing. An `apply` refused for a stack lock another update
 * holds never started. A `pulumi up` that failed or was cancelled part-way is not rolled back,
 * so part of the plan may be in place; the Pulumi deployer marks the stack, and its next update
 * refreshes the stack from the cloud before applying that tick's plan
 * (adapters/pulumi-deployer.ts). The simulator checks for cancellation before it changes anything.
 */
export function failureAftermath(stage: string, error: unknown, deployerKind: string): string {
  const unchanged = 'its fleet is left as it was';
  if (stage !== 'apply') return unchanged;
  // Pulumi's error class for a held stack lock (the deployer retries it, then gives up with it).
  if (isConcurrentUpdate(error)) return `another update holds its stack lock, so this one never started: ${unchanged}`;
  if (deployerKind === 'sim') return unchanged;
  if (deployerKind === 'pulumi') return 'the update may have applied part of the plan (Pulumi does not roll it back); the next update refreshes the stack from the cloud first, then applies its own plan';
  return 'the update may have applied part of the plan';
}

export async function runOnce(ctx: RunContext, signal: AbortSignal): Promise<RunOnceResult[]> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const owned = ctx.workloads ? new Set(ctx.workloads) : undefined;
  const pending: Pending[] = ctx.config.workloads
    .filter((w) => !owned || owned.has(w.name))
    .map((w) => ({ config: w, result: { workload: w.name, ok: true, applied: false, decisions: [], changes: [], warnings: [] } }));
  const emit = ctx.sink.emit.bind(ctx.sink);
  emit({ code: 'run.started', severity: 'INFO', message: `tick at ${at}: ${pending.length} workload(s), ${ctx.mode} with ${ctx.deployer.kind}`, data: { workloads: pending.map((p) => p.config.name) } });

  const fail = (p: Pending, stage: string, error: unknown): void => {
    p.result.ok = false;
    p.result.error = `${stage}: ${describeError(error)}`;
    p.result.errorKind = errorKindOf(error);
    emit({ code: 'workload.failed', severity: 'ERROR', message: `${p.config.name}: ${p.result.error}; ${failureAftermath(stage, error, ctx.deployer.kind)}`, labels: { workload: p.config.name, stage } });
  };
  const live = (): Pending[] => pending.filter((p) => p.result.ok && !isHeld(p.result.decisions));

  let state: FleetState;
  try {
    signal.throwIfAborted();
    state = await ctx.deployer.state({ signal });
  } catch (error) {
    for (const p of pending) fail(p, 'read fleet state', signal.aborted ? cancelledError(signal, 'tick') : error);
    return finish(ctx, pending, at);
  }

  for (const u of state.unreadable ?? []) {
    const p = pending.find((x) => x.config.name === u.workload);
    if (p) fail(p, 'read fleet state', new ShadowscaleError(u.kind, 'state.unreadable', u.error));
  }

  // Forecasts are CPU-bound on a small machine: one at a time.
  await mapSettled(pending.filter((p) => p.result.ok), 1, async (p) => {
    try {
      signal.throwIfAborted();
      const made = await forecastWorkload({ history: ctx.history, forecast: ctx.forecast, models: ctx.models, quantiles: ctx.config.quantiles }, p.config, now, signal);
      for (const s of made.signals) {
        if (!ctx.models || !s.choice?.decision.retrain) continue;
        const named = made.signals.length > 1 ? `${p.config.name} signal ${s.signal.name}` : p.config.name;
        try {
          const record = await ctx.models.record(s.key, s.series, s.forecast, now);
          emit({ code: 'model.trained', severity: 'NOTICE', message: `${named}: ${record.kind} selected and recorded as version ${record.version} (${s.choice.decision.message}); ${selectionText(record.kind, s.forecast.selection)}`, labels: { workload: p.config.name }, data: { reason: s.choice.decision.reason, signal: s.signal.name, scores: Object.fromEntries(Object.entries(s.forecast.selection ?? {}).map(([m, v]) => [m, v.score])) } });
        } catch (error) {
          p.result.warnings.push(`model${made.signals.length > 1 ? ` of signal ${s.signal.name}` : ''} not recorded: ${describeError(error)}`);
        }
      }
      const forecast = made.forecast;
      const stepMs = forecast.stepMs;
      p.signalForecasts = made.signals.map((s) => ({ key: s.key, forecast: s.forecast }));
      p.forecast = forecast;
      p.result.forecastSummary = summarizeForecast(forecast, made);
      // The combined forecast starts at the oldest signal's origin: the oldest history governs.
      const ageMs = forecastAgeMs(forecast, now);
      const limitMs = ctx.staleAfterMs ?? staleLimitMs(ctx.config.tickSec, stepMs);
      // The planner measures age from the step before the origin (the newest actual).
      p.maxAgeMs = limitMs + stepMs;
      if (ageMs > limitMs) {
        // Still planned: the planner holds the fleet as it is and says so, but an unhealthy
        // primary fails over and a fleet above its guardrails is trimmed, forecast or not.
        emit({ code: 'forecast.stale', severity: 'WARNING', message: `${p.config.name}: ${made.signals.length > 1 ? "the oldest signal's history is" : 'newest history is'} ${Math.round(ageMs / 1000)} s old (limit ${Math.round(limitMs / 1000)} s)`, labels: { workload: p.config.name } });
      } else {
        const bound = p.result.forecastSummary.bindingAtPeak ? `; at the peak the VMs needed follow signal ${p.result.forecastSummary.bindingAtPeak}` : '';
        emit({ code: 'forecast.made', severity: 'INFO', message: `${p.config.name}: forecast by ${forecast.model} from ${forecast.originTime}${bound}`, labels: { workload: p.config.name }, data: { ...p.result.forecastSummary } });
      }
    } catch (error) {
      fail(p, 'forecast', signal.aborted ? cancelledError(signal, 'forecast') : error);
    }
  });

  const ready = live();
  const forecastMaxAgeMs = Object.fromEntries(ready.map((p) => [p.config.name, p.maxAgeMs!]));
  const groupConfig = { ...ctx.config, totalGuardrails: capsForGroup(ctx.config, state, new Set(ready.map((p) => p.config.name)), owned) };
  const outcomes = planIsolated(ctx.plan, { now, config: groupConfig, forecasts: Object.fromEntries(ready.map((p) => [p.config.name, p.forecast!])), state, forecastMaxAgeMs }, (error) =>
    emit({ code: 'plan.isolating', severity: 'WARNING', message: `planning ${ready.length} workloads together failed (${describeError(error)}); planning each alone` }),
  );
  for (const p of ready) {
    const outcome = outcomes.get(p.config.name)!;
    p.result.decisions.push(...outcome.decisions);
    if (outcome.plan) p.plan = outcome.plan;
    else fail(p, 'plan', outcome.error);
  }

  for (const p of live()) {
    const problems = checkPlanBeforeActing(p.plan!, ctx.config, state);
    if (problems.length) fail(p, 'validate plan', new ShadowscaleError('unsafe', 'plan.invalid', `plan not applied: ${problems.join('; ')}`, { problems }));
  }
  const failingOver = new Set(live().filter((p) => p.result.decisions.some((d) => d.code === 'failover')).map((p) => p.config.name));
  const overTotals = recheckTotals(ctx.config, state, live().map((p) => p.plan!), failingOver, owned);
  for (const p of live()) {
    const reason = overTotals.get(p.config.name);
    if (reason) fail(p, 'validate plan', new ShadowscaleError('unsafe', 'guardrail.total', `plan not applied: ${reason}`));
  }

  await mapSettled(live(), ctx.config.deployer.concurrency, async (p) => {
    const plan: FleetPlan = { version: 1, createdAt: at, workloads: [p.plan!] };
    try {
      signal.throwIfAborted();
      if (ctx.mode === 'apply') {
        const applied = await ctx.deployer.apply(plan, { signal });
        p.result.changes = applied.changes;
        p.result.applied = true;
      } else {
        p.result.changes = (await ctx.deployer.preview(plan, { signal })).changes;
      }
      const changed = p.result.changes.filter((c) => c.op !== 'same').length;
      emit({ code: ctx.mode === 'apply' ? 'deploy.applied' : 'deploy.previewed', severity: 'NOTICE', message: `${p.config.name}: ${changed} resource change(s) ${ctx.mode === 'apply' ? 'applied' : 'previewed'}`, labels: { workload: p.config.name } });
    } catch (error) {
      fail(p, ctx.mode === 'apply' ? 'apply' : 'preview', signal.aborted ? cancelledError(signal, ctx.mode) : error);
    }
  });

  const fresh = pending.filter((p) => p.result.ok && p.forecast && !p.result.decisions.some((d) => d.code === 'hold.stale-forecast'));
  if (ctx.publish && ctx.mode === 'apply' && fresh.length) {
    try {
      const warnings = await ctx.publish(fresh.map((p) => ({ workload: p.config.name, forecast: p.forecast!, at: now })), signal);
      for (const w of warnings) emit({ code: 'forecast.publish-warning', severity: 'WARNING', message: w });
    } catch (error) {
      // The fleet is already right; a metric that did not reach Cloud Monitoring is a warning.
      for (const p of fresh) p.result.warnings.push(`forecast not published: ${describeError(error)}`);
      emit({ code: 'forecast.publish-failed', severity: 'WARNING', message: `forecasts not published: ${describeError(error)}` });
    }
  }

  return finish(ctx, pending, at);
}

export interface PlanOutcome {
  plan?: WorkloadPlan;
  decisions: Decision[];
  error?: unknown;
}

/**
 * The planner sees every given workload at once, so total guardrails and priorities apply
 * across them. If it throws, each workload is planned alone so one bad workload cannot stop
 * the others. Only the workloads in `forecasts` are planned.
 */
export function planIsolated(
  plan: PlanFn,
  input: Parameters<PlanFn>[0],
  onIsolate?: (error: unknown) => void,
): Map<string, PlanOutcome> {
  const names = Object.keys(input.forecasts);
  const outcomes = new Map<string, PlanOutcome>();
  const planFor = (group: string[]) => {
    const wanted = new Set(group);
    const forecasts = Object.fromEntries(group.map((n) => [n, input.forecasts[n]]));
    return plan({ ...input, config: scopeConfig(input.config, wanted), forecasts });
  };
  const take = (group: string[], result: ReturnType<PlanFn>): void => {
    for (const name of group) {
      const decisions = result.decisions.filter((d) => d.workload === name);
      const wp = result.plan.workloads.find((w) => w.workload === name);
      outcomes.set(name, wp ? { plan: wp, decisions } : { decisions, error: new ShadowscaleError('internal', 'plan.missing', `the planner returned no plan for workload "${name}"`) });
    }
  };
  if (names.length === 0) return outcomes;
  try {
    take(names, planFor(names));
  } catch (error) {
    if (names.length === 1) {
      outcomes.set(names[0], { decisions: [], error });
      return outcomes;
    }
    onIsolate?.(error);
    for (const name of names) {
      try {
        take([name], planFor([name]));
      } catch (single) {
        outcomes.set(name, { decisions: [], error: single });
      }
    }
  }
  return outcomes;
}

/** Records and the closing events. A record that cannot be saved is a warning: the fleet is already right. */
async function finish(ctx: RunContext, pending: Pending[], at: string): Promise<RunOnceResult[]> {
  for (const p of pending) {
    for (const d of p.result.decisions) {
      ctx.sink.emit({ code: d.code, severity: 'NOTICE', message: `${d.workload}: ${d.message}`, labels: { workload: d.workload, ...(d.generation ? { generation: d.generation } : {}) }, data: { numbers: d.numbers } });
    }
    try {
      // Each signal's own forecast under its registry key: the next tick scores a signal's model
      // against that signal's actuals. With one signal this is the forecast the planner used.
      for (const f of p.signalForecasts ?? []) await ctx.records.saveForecast(f.key, f.forecast, at);
      if (p.result.decisions.length) await ctx.records.saveDecisions(p.result.decisions, at);
    } catch (error) {
      const warning = `records not saved: ${describeError(error)}`;
      p.result.warnings.push(warning);
      ctx.sink.emit({ code: 'records.save-failed', severity: 'WARNING', message: `${p.config.name}: ${warning}`, labels: { workload: p.config.name } });
    }
  }
  const failed = pending.filter((p) => !p.result.ok).map((p) => p.config.name);
  ctx.sink.emit({
    code: 'run.finished',
    severity: failed.length ? 'ERROR' : 'INFO',
    message: failed.length ? `tick at ${at}: ${failed.length} of ${pending.length} workload(s) failed: ${failed.join(', ')}` : `tick at ${at}: ${pending.length} workload(s) done`,
    data: { failed },
  });
  return pending.map((p) => p.result);
}
