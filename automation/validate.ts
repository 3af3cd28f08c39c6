/**
 * Re-checking a plan just before acting, and rejecting planner settings that ask for the
 * impossible. Pure.
 */
import type { FleetPlan, FleetState, GenerationPlan } from './fleet-plan';
import type { PlannerConfig } from './plan';
import { ShadowscaleError, configProblemLine } from './errors';
import { generationSpendPerHour, generationVms } from './planner/guardrails';
import { MAX_SCHEDULES, MIN_SCHEDULE_SEC } from './planner/schedules';

export interface Violation {
  workload: string;
  generation?: string;
  code: string;
  message: string;
}

const EPS = 1e-9;

/** Every way `plan` would break an invariant or guardrail if applied to a fleet in `state`. */
export function validatePlan(plan: FleetPlan, config: PlannerConfig, state: FleetState): Violation[] {
  const out: Violation[] = [];
  const add = (workload: string, code: string, message: string, generation?: string) => out.push(generation ? { workload, generation, code, message } : { workload, code, message });
  const createdMs = Date.parse(plan.createdAt);
  let totalVms = 0;
  let totalSpend = 0;
  for (const wp of plan.workloads) {
    const w = config.workloads.find((x) => x.name === wp.workload);
    if (!w) {
      add(wp.workload, 'plan.unknown-workload', `workload ${wp.workload} is not in the configuration`);
      continue;
    }
    const status = state.workloads.find((s) => s.workload === wp.workload)?.generations ?? [];
    const statusOf = new Map(status.map((s) => [s.name, s]));
    const gens = wp.generations;
    if (gens.length === 0) add(w.name, 'plan.empty', 'the plan has no generation: applying it would delete the whole fleet');
    const names = new Set<string>();
    for (const g of gens) {
      if (names.has(g.name)) add(w.name, 'plan.duplicate-generation', `generation ${g.name} appears twice`, g.name);
      names.add(g.name);
    }

    if (gens.length > 0) {
      const sum = gens.reduce((s, g) => s + g.weight, 0);
      if (sum !== 1000) add(w.name, 'weights.sum', `weights sum to ${sum}, expected 1000`);
    }
    for (const g of gens) checkGeneration(w.name, g, add);

    // Make before break: traffic only to generations reported healthy and running.
    const failingOver = status.some((s) => !s.healthy && s.weight > 0);
    for (const g of gens) {
      const s = statusOf.get(g.name);
      const before = s?.weight ?? 0;
      if (g.weight > before) {
        const bootstrap = status.length === 0;
        // A failover may send traffic to a healthy shadow that is still resuming its pool.
        if (!bootstrap && (!s || !s.healthy || (s.running <= 0 && !failingOver))) {
          add(w.name, 'weights.unhealthy-target', `${g.name} would get weight ${g.weight} but is ${s ? (s.healthy ? 'not running' : 'unhealthy') : 'not created yet'}`, g.name);
        }
      }
      if (!failingOver && Math.abs(g.weight - before) > w.guardrails.maxWeightStepPerTick && status.length > 0) {
        add(w.name, 'weights.step', `${g.name}'s weight moves ${before} -> ${g.weight}, more than guardrails.maxWeightStepPerTick ${w.guardrails.maxWeightStepPerTick}`, g.name);
      }
    }

    // Never retire before the successor served at full weight through the drain period.
    for (const s of status) {
      if (names.has(s.name)) continue;
      const successor = gens.find((g) => g.role === 'primary' && g.weight === 1000 && statusOf.get(g.name)?.weight === 1000);
      const drainedMs = createdMs - Date.parse(s.since);
      const standbyShadow = s.role === 'shadow' && s.weight === 0 && s.state === 'standby';
      if (standbyShadow) continue;
      if (s.state !== 'draining' || s.weight !== 0 || !successor || !(drainedMs >= w.guardrails.drainSec * 1000)) {
        add(w.name, 'retire.too-early', `${s.name} would be retired but ${s.state !== 'draining' || s.weight !== 0 ? `it is ${s.state} at weight ${s.weight}` : !successor ? 'no successor has served at full weight' : `it drained ${Math.round(drainedMs / 1000)} s of ${w.guardrails.drainSec} s`}`, s.name);
      }
    }

    if (w.guardrails.freeze) {
      for (const s of status) {
        const g = gens.find((x) => x.name === s.name);
        if (!g || g.weight !== s.weight || g.running !== s.running || g.suspended !== s.suspended || g.stopped !== s.stopped) {
          add(w.name, 'freeze.changed', `guardrails.freeze is set but ${s.name} would change`, s.name);
        }
      }
      if (gens.some((g) => !statusOf.has(g.name)) && status.length > 0) add(w.name, 'freeze.changed', 'guardrails.freeze is set but a generation would be created');
    }

    const vms = gens.reduce((s, g) => s + generationVms(g), 0);
    const spend = gens.reduce((s, g) => s + generationSpendPerHour(g), 0);
    if (vms > w.guardrails.maxVms) add(w.name, 'guardrail.max-vms', `${vms} VMs (running + pools) exceed guardrails.maxVms ${w.guardrails.maxVms}`);
    if (spend > w.guardrails.maxSpendPerHour + EPS) add(w.name, 'guardrail.max-spend', `${spend.toFixed(2)}/h exceeds guardrails.maxSpendPerHour ${w.guardrails.maxSpendPerHour}`);
    for (const g of gens) {
      if (g.maxReplicas > w.guardrails.maxVms) {
        add(w.name, 'guardrail.autoscaler-cap', `${g.name}: maxReplicas ${g.maxReplicas} exceeds guardrails.maxVms ${w.guardrails.maxVms}`, g.name);
      }
    }
    totalVms += vms;
    totalSpend += spend;
  }
  if (totalVms > config.totalGuardrails.maxVms) out.push({ workload: '*', code: 'guardrail.total-vms', message: `${totalVms} VMs in total exceed totalGuardrails.maxVms ${config.totalGuardrails.maxVms}` });
  if (totalSpend > config.totalGuardrails.maxSpendPerHour + EPS) out.push({ workload: '*', code: 'guardrail.total-spend', message: `${totalSpend.toFixed(2)}/h in total exceeds totalGuardrails.maxSpendPerHour ${config.totalGuardrails.maxSpendPerHour}` });
  return out;
}

function checkGeneration(workload: string, g: GenerationPlan, add: (w: string, code: string, message: string, gen?: string) => void): void {
  for (const field of ['running', 'suspended', 'stopped', 'minReplicas', 'maxReplicas', 'weight'] as const) {
    if (!Number.isInteger(g[field]) || g[field] < 0) add(workload, 'plan.count', `${g.name}.${field} is ${g[field]}, expected a whole number >= 0`, g.name);
  }
  if (g.weight > 1000) add(workload, 'weights.range', `${g.name}.weight ${g.weight} is above 1000`, g.name);
  if (g.minReplicas > g.maxReplicas) add(workload, 'plan.replicas', `${g.name}: minReplicas ${g.minReplicas} > maxReplicas ${g.maxReplicas}`, g.name);
  if (g.running + g.suspended + g.stopped > (g.placement.quotaVms ?? Number.POSITIVE_INFINITY)) {
    add(workload, 'guardrail.quota', `${g.name}: ${g.running + g.suspended + g.stopped} VMs exceed the quota of ${g.placement.quotaVms} in ${g.placement.id}`, g.name);
  }
  if (g.scalingSchedules.length > MAX_SCHEDULES) add(workload, 'plan.schedules', `${g.name} has ${g.scalingSchedules.length} scaling schedules, GCP allows ${MAX_SCHEDULES}`, g.name);
  for (const s of g.scalingSchedules) {
    if (s.durationSec < MIN_SCHEDULE_SEC) add(workload, 'plan.schedules', `${g.name}: schedule ${s.name} lasts ${s.durationSec} s, GCP requires at least ${MIN_SCHEDULE_SEC}`, g.name);
    if (s.minRequiredReplicas > g.maxReplicas) add(workload, 'plan.schedules', `${g.name}: schedule ${s.name} asks for ${s.minRequiredReplicas} replicas, above maxReplicas ${g.maxReplicas}`, g.name);
  }
}

/** A planner setting that can never produce a valid plan, at its path in shadowscale.yaml. */
export interface ConfigProblem {
  /** Dotted as in the YAML, e.g. `workloads.0.guardrails.maxVms`, `limits.maxSpendPerHour`. */
  path: string;
  message: string;
}

/**
 * Every planner setting that can never produce a valid plan, named by the config key it comes
 * from (not the PlannerConfig field), so a person can find it in the file. Pure.
 * (Schema checks such as types live in automation/config.ts.)
 */
export function plannerConfigProblems(config: PlannerConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  let minimumVms = 0;
  let minimumSpend = 0;
  config.workloads.forEach((w, i) => {
    const at = `workloads.${i}`;
    if (!w.placements.length) fail(`${at}.placements`, 'expected at least one placement (the first is the primary\'s)');
    if (!w.signals.length || !(w.signals[0].capacityPerVm > 0)) fail(`${at}.signals.0.capacityPerVm`, 'expected a positive capacity per VM');
    const g = w.guardrails;
    if (!(Number.isInteger(g.maxVms) && g.maxVms >= 1)) fail(`${at}.guardrails.maxVms`, `expected at least 1 VM (a serving generation needs one), got ${g.maxVms}`);
    if (!(Number.isInteger(g.maxWeightStepPerTick) && g.maxWeightStepPerTick >= 1 && g.maxWeightStepPerTick <= 1000)) {
      fail(`${at}.guardrails.maxWeightStepPerTick`, `expected a whole number in 1..1000 so weights can move and still sum to 1000, got ${g.maxWeightStepPerTick}`);
    }
    const primary = w.placements[0];
    if (primary) {
      if (primary.quotaVms !== undefined && primary.quotaVms < 1) fail(`${at}.placements.0.quotaVms`, `expected quota for at least 1 VM in the primary placement, got ${primary.quotaVms}`);
      if (g.maxSpendPerHour < primary.pricePerHour) fail(`${at}.guardrails.maxSpendPerHour`, `expected at least ${primary.pricePerHour}/h, the price of one running VM in the primary placement, got ${g.maxSpendPerHour}/h`);
    }
    const ids = new Set<string>();
    w.placements.forEach((p, j) => {
      if (!(p.pricePerHour > 0) || p.suspendedPricePerHour < 0 || p.stoppedPricePerHour < 0) fail(`${at}.placements.${j}`, 'expected a positive running price and non-negative pool prices');
      // Generations are matched to placements by id: two with one id make the plan ambiguous.
      if (ids.has(p.id)) fail(`${at}.placements.${j}.id`, `expected a unique id, "${p.id}" is used by an earlier placement`);
      ids.add(p.id);
    });
    for (const [field, key] of [['bootSec', 'boot'], ['resumeSec', 'resume'], ['startSec', 'start']] as const) {
      if (!(w.latencies[field] >= 0)) fail(`${at}.latencies.${key}`, `expected a duration >= 0 s, got ${w.latencies[field]}`);
    }
    if (!(g.drainSec >= 0)) fail(`${at}.guardrails.drain`, `expected a duration >= 0 s, got ${g.drainSec}`);
    if (primary) minimumSpend += primary.pricePerHour;
    if (!(w.unservedPenaltyPerVmHour > 0)) fail(`${at}.unservedPenaltyPerVmHour`, 'expected a positive penalty (the newsvendor needs it)');
    if (!(w.contentionThreshold > 0 && w.contentionThreshold < 1)) fail(`${at}.contentionThreshold`, `expected a probability in (0, 1), got ${w.contentionThreshold}`);
    if (!(w.targetUtilization > 0 && w.targetUtilization <= 1)) fail(`${at}.targetUtilization`, `expected (0, 1], got ${w.targetUtilization}`);
    const topLevel = Math.max(...config.quantiles);
    if (w.sloServedPct !== undefined && w.sloServedPct / 100 > topLevel + EPS) {
      // The floor can only cover a quantile the forecast gives.
      fail(`${at}.slo.servedPct`, `expected a share the forecast covers: ${w.sloServedPct} % needs the ${Number((w.sloServedPct / 100).toPrecision(6))} quantile, above the highest forecast level ${topLevel}; add that level to quantiles`);
    }
    minimumVms += 1;
  });
  // The file's `limits` is the planner's totalGuardrails.
  if (config.totalGuardrails.maxVms < minimumVms) {
    fail('limits.maxVms', `expected at least ${minimumVms} VMs, one serving VM for each workload, got ${config.totalGuardrails.maxVms}`);
  }
  if (config.totalGuardrails.maxSpendPerHour < minimumSpend - EPS) {
    fail('limits.maxSpendPerHour', `expected at least ${Number(minimumSpend.toPrecision(12))}/h, one running VM per workload in its primary placement, got ${config.totalGuardrails.maxSpendPerHour}/h`);
  }
  config.events.forEach((e, i) => {
    const at = `events.${i}`;
    if (!Number.isFinite(Date.parse(e.start))) fail(`${at}.start`, `expected an ISO time, got "${e.start}"`);
    if (!(e.durationSec > 0)) fail(`${at}.duration`, `expected a positive duration, got ${e.durationSec} s`);
    if (!(e.multiplier >= 0) || !Number.isFinite(e.multiplier)) fail(`${at}.multiplier`, `expected a finite multiplier >= 0, got ${e.multiplier}`);
    if (e.workload !== undefined && !config.workloads.some((w) => w.name === e.workload)) fail(`${at}.workload`, `expected a configured workload, got "${e.workload}"`);
  });
  return problems;
}

/**
 * Throws ShadowscaleError kind 'config' when `plannerConfigProblems` finds any: one line per
 * problem, `FILE:LINE: path: expected …`; `lineOf` is the loader's path → line map (without it,
 * e.g. for a config built in code, lines are left out).
 */
export function checkPlannerConfig(config: PlannerConfig, file = 'shadowscale.yaml', lineOf: (path: string) => number | undefined = () => undefined): void {
  const problems = plannerConfigProblems(config);
  if (problems.length) {
    throw new ShadowscaleError('config', 'config.planner', problems.map((p) => configProblemLine(file, lineOf(p.path), p.path, p.message)).join('\n'), { problems });
  }
}
