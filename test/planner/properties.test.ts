/**
 * Property-based tests of the planner: random workloads, forecasts and fleets driven through
 * several ticks (each tick's state is what the previous plan would produce, with random health
 * and readiness), checking the invariants of DESIGN.md at every tick.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planFleet } from '../../automation/plan';
import { validatePlan } from '../../automation/validate';
import { vmsFor } from '../../automation/planner/sizing';
import { quantileAt, quantilePoints } from '../../automation/planner/quantiles';
import type { FleetPlan, FleetState } from '../../automation/fleet-plan';
import type { WorkloadConfig } from '../../automation/config-types';
import { LEVELS, STEP, T0, config, forecastOf, gen, iso, stateAfter, workload } from './fixtures';

const tickArb = fc.record({
  level: fc.double({ min: 0, max: 400, noNaN: true }),
  trend: fc.double({ min: -3, max: 3, noNaN: true }),
  spread: fc.double({ min: 0, max: 0.3, noNaN: true }),
  primaryUnhealthy: fc.boolean(),
  readiness: fc.double({ min: 0, max: 1, noNaN: true }),
  bumpTemplate: fc.boolean(),
  // Mostly usable forecasts, sometimes one the planner must not act on.
  forecastKind: fc.constantFrom('ok', 'ok', 'ok', 'missing', 'stale', 'nan'),
});

const workloadArb = fc.record({
  capacityPerVm: fc.double({ min: 1, max: 20, noNaN: true }),
  penalty: fc.double({ min: 1, max: 60, noNaN: true }),
  quotaA: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  quotaB: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  priceB: fc.double({ min: 0.5, max: 2, noNaN: true }),
  maxVms: fc.integer({ min: 1, max: 120 }),
  maxSpend: fc.double({ min: 2, max: 300, noNaN: true }),
  maxStep: fc.integer({ min: 1, max: 1000 }),
  drainSec: fc.integer({ min: 0, max: 1800 }),
  threshold: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
});

type WorkloadParams = typeof workloadArb extends fc.Arbitrary<infer T> ? T : never;

function makeWorkload(p: WorkloadParams, version: string): WorkloadConfig {
  const w = workload({ templateVersion: version, unservedPenaltyPerVmHour: p.penalty, contentionThreshold: p.threshold, signals: [{ name: 'requests', capacityPerVm: p.capacityPerVm }] });
  w.guardrails = { maxVms: p.maxVms, maxSpendPerHour: p.maxSpend, maxWeightStepPerTick: p.maxStep, freeze: false, drainSec: p.drainSec };
  w.placements[0] = { ...w.placements[0], quotaVms: p.quotaA };
  w.placements[1] = { ...w.placements[1], quotaVms: p.quotaB, pricePerHour: p.priceB };
  return w;
}

describe('planFleet properties (fast-check)', () => {
  it('GIVEN random forecasts, fleets, health and guardrails WHEN ticking THEN weights sum to 1000, no rule of validatePlan breaks, capacity covers the quantile and the plan is deterministic', () => {
    fc.assert(
      // passPrevious false is the run loop's way: the planner sees only the fleet state.
      fc.property(workloadArb, fc.array(tickArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 30 }), fc.boolean(), (wp, ticks, initialRunning, passPrevious) => {
        let version = 1;
        let previous: FleetPlan | undefined;
        let nowMs = T0;
        let st: FleetState = {
          observedAt: iso(nowMs),
          workloads: [{ workload: 'web', generations: [gen({ name: 'web-g1', running: initialRunning, templateVersion: 'v1' })] }],
        };
        for (const tick of ticks) {
          if (tick.bumpTemplate) version++;
          const w = makeWorkload(wp, `v${version}`);
          const cfg = config([w], { totalGuardrails: { maxVms: 100_000, maxSpendPerHour: 1e9 } });
          const forecast = forecastOf((h) => (tick.forecastKind === 'nan' && h === 2 ? Number.NaN : Math.max(0, tick.level + tick.trend * h)), { originMs: tick.forecastKind === 'stale' ? nowMs - 3_600_000 : nowMs + STEP, spread: tick.spread });
          const input = { now: iso(nowMs), config: cfg, forecasts: tick.forecastKind === 'missing' ? {} : { web: forecast }, state: st, previous: passPrevious ? previous : undefined, forecastMaxAgeMs: 30 * 60_000 };
          const r = planFleet(input);

          // Determinism: the same input gives the same plan and decisions.
          assert.deepEqual(planFleet(structuredClone(input)), r);

          const gens = r.plan.workloads[0].generations;
          assert.equal(gens.reduce((s, g) => s + g.weight, 0), 1000, 'weights sum to 1000');
          const violations = validatePlan(r.plan, cfg, st);
          assert.deepEqual(violations, [], JSON.stringify({ violations, gens, state: st.workloads[0].generations, decisions: r.decisions }, null, 1));

          // A forecast that must not be used leaves every generation's counts and weight as they
          // are, unless the fleet was found above a guardrail (then it is trimmed, and says so)
          // or an unhealthy primary failed over or had a replacement readied (health needs no forecast).
          if (tick.forecastKind !== 'ok' && !r.decisions.some((d) => d.code.startsWith('guardrail') || d.code === 'failover' || d.code === 'failover.prepare-replacement')) {
            assert.ok(r.decisions.some((d) => d.code === `hold.${tick.forecastKind}-forecast`), JSON.stringify(r.decisions));
            for (const s of st.workloads[0].generations) {
              const g = gens.find((x) => x.name === s.name);
              assert.ok(g, `${s.name} kept`);
              assert.deepEqual([g.weight, g.running, g.suspended, g.stopped], [s.weight, s.running, s.suspended, s.stopped], `${s.name} held`);
            }
          }

          // Serving capacity never below the forecast quantile (unless a guardrail or a limit binds).
          const trimmed = r.decisions.some((d) => d.code.startsWith('guardrail'));
          if (!trimmed && !r.decisions.some((d) => d.code.startsWith('hold'))) {
            const qStar = w.unservedPenaltyPerVmHour / (w.unservedPenaltyPerVmHour + w.placements[0].pricePerHour);
            const pts = quantilePoints(LEVELS, LEVELS.map((l) => forecast.quantiles[String(l)][0]));
            const need = vmsFor(quantileAt(pts, qStar), w.signals[0].capacityPerVm);
            const serving = gens.filter((g) => g.weight > 0);
            const limit = serving.reduce((s, g) => s + Math.min(g.placement.quotaVms ?? Infinity, w.guardrails.maxVms), 0);
            const running = serving.reduce((s, g) => s + g.running, 0);
            assert.ok(running >= Math.min(need, limit), `running ${running} < min(need ${need}, limit ${limit})`);
          }

          nowMs += 5 * 60_000;
          previous = r.plan;
          st = stateAfter(r.plan, nowMs, (g) => ({
            ...g,
            running: Math.floor(g.running * tick.readiness),
            healthy: !(tick.primaryUnhealthy && g.role === 'primary'),
          }));
        }
      }),
      { numRuns: 300, seed: 20260302 },
    );
  });
});
