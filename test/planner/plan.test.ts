import assert from 'node:assert/strict';
import { costReport, planFleet, type PlannerInput } from '../../automation/plan';
import { validatePlan, checkPlannerConfig } from '../../automation/validate';
import { isHeld } from '../../automation/modes/run-once';
import { ShadowscaleError } from '../../automation/errors';
import type { FleetPlan } from '../../automation/fleet-plan';
import { viewForecast } from '../../automation/planner/forecast-view';
import { floorsForPool, sizeGeneration } from '../../automation/planner/sizing';
import { scheduleWindow } from '../../automation/planner/schedules';
import { refloorAfterTrim, type SizedFloors } from '../../automation/planner/guardrails';
import type { GenerationPlan } from '../../automation/fleet-plan';
import { T0, STEP, config, forecastOf, gen, iso, state, stateAfter, workload } from './fixtures';

const codes = (r: { decisions: { code: string }[] }) => r.decisions.map((d) => d.code);
const genNamed = (plan: FleetPlan, name: string) => plan.workloads[0].generations.find((g) => g.name === name);

function input(over: Partial<PlannerInput> = {}): PlannerInput {
  return {
    now: iso(T0),
    config: config(),
    forecasts: { web: forecastOf(() => 100) },
    state: state([gen({ name: 'web-g1' })]),
    ...over,
  };
}

describe('planFleet: sizing by cost', () => {
  it('GIVEN penalty 19 and price 1 (q* = 0.95) WHEN planning THEN the running floor covers the 0.95 quantile', () => {
    const r = planFleet(input());
    const g = genNamed(r.plan, 'web-g1')!;
    // median 100, q0.95 = 110, capacity 10 per VM -> 11 VMs.
    assert.equal(g.running, 11);
    const size = r.decisions.find((d) => d.code === 'size.floor')!;
    assert.equal(size.numbers.qStar, 0.95);
    assert.equal(size.numbers.demandAtQ, 110);
  });

  it('GIVEN an SLO of 99 % served above the newsvendor quantile (0.95) WHEN planning THEN the floor covers the 0.99 quantile and says the SLO raised it', () => {
    const r = planFleet(input({ config: config([workload({ sloServedPct: 99 })]) }));
    // q0.99 = 120 at capacity 10 per VM -> 12 VMs (11 without the SLO).
    assert.equal(genNamed(r.plan, 'web-g1')!.running, 12);
    const size = r.decisions.find((d) => d.code === 'size.floor')!;
    assert.equal(size.numbers.qStar, 0.99);
    assert.match(size.message, /raised to the SLO of 99 % served/);
  });

  it('GIVEN an SLO below the newsvendor quantile WHEN planning THEN the newsvendor quantile stands', () => {
    const r = planFleet(input({ config: config([workload({ sloServedPct: 90 })]) }));
    assert.equal(genNamed(r.plan, 'web-g1')!.running, 11);
    assert.equal(r.decisions.find((d) => d.code === 'size.floor')!.numbers.qStar, 0.95);
  });

  it('GIVEN a q* between forecast levels WHEN planning THEN the demand is interpolated between them', () => {
    // penalty 9 -> q* = 0.9 exactly; penalty 12.33 -> q* = 0.925, halfway between 0.9 and 0.95.
    const r = planFleet(input({ config: config([workload({ unservedPenaltyPerVmHour: 37 / 3 })]) }));
    const size = r.decisions.find((d) => d.code === 'size.floor')!;
    assert.ok(Math.abs(Number(size.numbers.demandAtQ) - 107.5) < 1e-3, `got ${size.numbers.demandAtQ}`);
  });

  it('GIVEN demand rising within the pool window WHEN planning THEN a standby pool covers the rise and schedules raise the floor ahead of it', () => {
    const r = planFleet(input({ forecasts: { web: forecastOf((h) => (h < 10 ? 100 : 200)) } }));
    const g = genNamed(r.plan, 'web-g1')!;
    assert.ok(g.suspended + g.stopped >= 10, `pool ${g.suspended}+${g.stopped}`);
    const top = Math.max(...g.scalingSchedules.map((s) => s.minRequiredReplicas));
    assert.equal(top, 22);
    assert.ok(g.scalingSchedules.every((s) => s.durationSec >= 300 && s.timeZone === 'Etc/UTC'));
  });

  it('GIVEN a rise at step 10 and a 1-minute resume at 1-minute steps WHEN sizing THEN the floor is raised from step 8: one step for the resume, one for the timing of the rise', () => {
    const w = workload();
    const view = viewForecast('web', forecastOf((h) => (h < 10 ? 100 : 200)), T0, 30 * 60_000, []);
    assert.ok(view.ok);
    const sizing = sizeGeneration({
      steps: view.steps, stepMs: view.stepMs, capacityPerVm: 10, qStar: 0.95, latencies: w.latencies, tickMs: 15 * 60_000,
      pricePerHour: 1, suspendedPricePerHour: 0.08, stoppedPricePerHour: 0.04, penaltyPerVmHour: 19, configuredUtilization: 0.6,
    });
    assert.equal(sizing.leadSteps, 2);
    assert.equal(sizing.leadPath, 'resume');
    assert.deepEqual(sizing.floors.slice(6, 12), [11, 11, 22, 22, 22, 22]);
  });

  const sizeAtOneMinute = (median: (h: number) => number, spread: number) => {
    const w = workload();
    const view = viewForecast('web', forecastOf(median, { spread }), T0, 30 * 60_000, []);
    assert.ok(view.ok);
    return sizeGeneration({
      steps: view.steps, stepMs: view.stepMs, capacityPerVm: 10, qStar: 0.95, latencies: w.latencies, tickMs: 15 * 60_000,
      pricePerHour: 1, suspendedPricePerHour: 0.08, stoppedPricePerHour: 0.04, penaltyPerVmHour: 19, configuredUtilization: 0.6,
    });
  };

  it('GIVEN no pool (spread wider than the headroom) and a rise at step 10 at 1-minute steps WHEN sizing THEN the floor is raised from step 5: the rise is met by new VMs, four steps of boot plus one of timing', () => {
    const sizing = sizeAtOneMinute((h) => (h < 10 ? 100 : 200), 0.4);
    assert.equal(sizing.pool.suspended + sizing.pool.stopped, 0);
    assert.equal(sizing.leadSteps, 5);
    assert.equal(sizing.leadPath, 'boot');
    // q0.95 = 1.8 x median: 18 VMs before the rise, 36 after.
    assert.deepEqual(sizing.floors.slice(3, 11), [18, 18, 36, 36, 36, 36, 36, 36]);
  });

  it('GIVEN a rise larger than the pool at 1-minute steps WHEN sizing THEN the VMs beyond the pool are asked a boot ahead and the pool\'s share a resume ahead', () => {
    const sizing = sizeAtOneMinute((h) => (h < 10 ? 100 : 1000), 0.05);
    const pool = sizing.pool.suspended;
    assert.ok(pool > 0 && sizing.pool.stopped === 0, `pool ${pool}+${sizing.pool.stopped}`);
    assert.ok(pool < 110 - 11, `the pool (${pool}) must be smaller than the rise for this test`);
    assert.equal(sizing.leadPath, 'boot');
    assert.deepEqual(sizing.floors.slice(4, 10), [11, 110 - pool, 110 - pool, 110 - pool, 110, 110]);
  });

  it('GIVEN a smaller pool than the sizing chose WHEN the floors are recomputed for it THEN the VMs beyond the kept pool are asked a boot ahead', () => {
    const sizing = sizeAtOneMinute((h) => (h < 10 ? 100 : 1000), 0.05);
    assert.deepEqual(floorsForPool(sizing.paths, sizing.pool.suspended, sizing.pool.stopped), sizing.floors);
    // With no pool kept, the whole rise is asked a boot ahead: the same floors as with no pool at all.
    assert.deepEqual(floorsForPool(sizing.paths, 0, 0).slice(4, 10), [11, 110, 110, 110, 110, 110]);
  });

  it('GIVEN a VM limit that cuts the pool WHEN planning THEN the VMs of a rise beyond the kept pool are asked a boot ahead (the floor now is higher)', () => {
    // 1-minute steps, a rise at step 3: a resume (2 steps ahead) does not reach it from now, a boot (5 steps) does.
    const f = forecastOf((h) => (h < 3 ? 100 : 160), { spread: 0.02 });
    const planWith = (maxVms: number) => genNamed(planFleet(input({ forecasts: { web: f }, config: config([workload({ guardrails: { ...workload().guardrails, maxVms } })]) })).plan, 'web-g1')!;
    const roomy = planWith(100);
    const tight = planWith(16);
    assert.ok(roomy.suspended + roomy.stopped > tight.suspended + tight.stopped, `pool ${roomy.suspended} with room, ${tight.suspended} under the limit`);
    assert.ok(tight.running > roomy.running, `floor now ${tight.running} under the limit vs ${roomy.running} with a full pool`);
    assert.ok(tight.running + tight.suspended + tight.stopped <= 16);
  });

  it('GIVEN the same forecast WHEN a running VM (the pool refill boot) gets dearer THEN the pool shrinks, because every autoscaler call on a pool VM costs a boot', () => {
    const w = workload();
    const view = viewForecast('web', forecastOf((h) => (h < 10 ? 100 : 200)), T0, 30 * 60_000, []);
    assert.ok(view.ok);
    const poolAt = (pricePerHour: number) => {
      const s = sizeGeneration({
        steps: view.steps, stepMs: view.stepMs, capacityPerVm: 10, qStar: 0.95, latencies: w.latencies, tickMs: 15 * 60_000,
        pricePerHour, suspendedPricePerHour: 0.08, stoppedPricePerHour: 0.04, penaltyPerVmHour: 19, configuredUtilization: 0.6,
      });
      return s.pool.suspended + s.pool.stopped;
    };
    const cheap = poolAt(0);
    const dear = poolAt(5);
    assert.ok(cheap > 0, `pool with free boots ${cheap}`);
    assert.ok(dear < cheap, `pool ${dear} at price 5 vs ${cheap} at price 0`);
  });

  it('GIVEN a falling forecast with a narrow spread WHEN planning THEN no pool VM is worth its price', () => {
    const r = planFleet(input({ forecasts: { web: forecastOf((h) => 100 - h, { spread: 0.001 }) } }));
    const g = genNamed(r.plan, 'web-g1')!;
    assert.equal(g.suspended + g.stopped, 0);
  });

  it('GIVEN a rise ahead and a one-step spread wider than the configured headroom (median / q* = 0.56 < 0.6) WHEN sizing THEN no pool is kept, the autoscaler stays at the configured target, and the floors still rise ahead', () => {
    const w = workload();
    // spread 0.4: q0.95 = 1.8 x median, top = 2.6 x median -> min(1 / 1.8, 1.8 / 2.6) = 0.56.
    const view = viewForecast('web', forecastOf((h) => (h < 10 ? 100 : 200), { spread: 0.4 }), T0, 30 * 60_000, []);
    assert.ok(view.ok);
    const sizeAt = (configuredUtilization: number) => sizeGeneration({
      steps: view.steps, stepMs: view.stepMs, capacityPerVm: 10, qStar: 0.95, latencies: w.latencies, tickMs: 15 * 60_000,
      pricePerHour: 1, suspendedPricePerHour: 0.08, stoppedPricePerHour: 0.04, penaltyPerVmHour: 19, configuredUtilization,
    });
    const wide = sizeAt(0.6);
    assert.equal(wide.pool.suspended + wide.pool.stopped, 0);
    assert.equal(wide.pool.spreadWiderThanHeadroom, true);
    assert.equal(wide.targetUtilization, 0.6);
    assert.equal(Math.max(...wide.floors), 36);
    // The same forecast under a configured headroom wider than its spread keeps the rule by value.
    const within = sizeAt(0.5);
    assert.equal(within.pool.spreadWiderThanHeadroom, false);
    assert.ok(within.pool.suspended + within.pool.stopped > 0, `pool ${within.pool.suspended}+${within.pool.stopped}`);
  });

  /** 1-minute forecast rising from 100 to 200 at step 10, with the relative spread `spreadAt(h)` at step h. */
  const spreadForecast = (spreadAt: (h: number) => number) => {
    const f = forecastOf((h) => (h < 10 ? 100 : 200));
    const bump: Record<string, number> = { '0.5': 0, '0.9': 1, '0.95': 2, '0.99': 4 };
    for (const level of Object.keys(f.quantiles)) f.quantiles[level] = f.quantiles['0.5'].map((m, h) => m * (1 + bump[level] * spreadAt(h)));
    return f;
  };
  const sizeWith = (spreadAt: (h: number) => number, poolHeld: boolean) => {
    const w = workload();
    const view = viewForecast('web', spreadForecast(spreadAt), T0, 30 * 60_000, []);
    assert.ok(view.ok);
    return sizeGeneration({
      steps: view.steps, stepMs: view.stepMs, capacityPerVm: 10, qStar: 0.95, latencies: w.latencies, tickMs: 15 * 60_000,
      pricePerHour: 1, suspendedPricePerHour: 0.08, stoppedPricePerHour: 0.04, penaltyPerVmHour: 19, configuredUtilization: 0.6, poolHeld,
    });
  };
  const poolOf = (s: ReturnType<typeof sizeWith>) => s.pool.suspended + s.pool.stopped;
  // spread 0.05 -> headroom ratio 0.91 (within 0.6); spread 0.4 -> 0.56 (wider). The pool window is 21 one-minute steps.

  it('GIVEN a spread within the headroom now but wider later in the pool window WHEN no pool is held THEN none is started, and WHEN one is held THEN it is kept', () => {
    const spreadAt = (h: number) => (h < 5 ? 0.05 : 0.4);
    const fresh = sizeWith(spreadAt, false);
    assert.equal(fresh.pool.spreadWiderThanHeadroom, true);
    assert.equal(poolOf(fresh), 0);
    const held = sizeWith(spreadAt, true);
    assert.equal(held.pool.spreadWiderThanHeadroom, false);
    assert.ok(poolOf(held) > 0, `pool ${held.pool.suspended}+${held.pool.stopped}`);
  });

  it('GIVEN a spread wider than the headroom now but within it later in the pool window WHEN a pool is held THEN it is kept, and WHEN none is held THEN none is started', () => {
    const spreadAt = (h: number) => (h < 3 ? 0.4 : 0.05);
    assert.ok(poolOf(sizeWith(spreadAt, true)) > 0);
    assert.equal(sizeWith(spreadAt, false).pool.spreadWiderThanHeadroom, true);
    assert.equal(poolOf(sizeWith(spreadAt, false)), 0);
  });

  it('GIVEN a spread wider than the headroom over the whole pool window WHEN a pool is held THEN it is dropped', () => {
    const held = sizeWith(() => 0.4, true);
    assert.equal(held.pool.spreadWiderThanHeadroom, true);
    assert.equal(poolOf(held), 0);
  });

  it('GIVEN the fleet holds a pool and the spread widens only late in the window WHEN planning THEN the plan keeps a pool', () => {
    const f = spreadForecast((h) => (h < 5 ? 0.05 : 0.4));
    const fresh = planFleet(input({ forecasts: { web: f } }));
    assert.equal(genNamed(fresh.plan, 'web-g1')!.suspended + genNamed(fresh.plan, 'web-g1')!.stopped, 0);
    const held = planFleet(input({ forecasts: { web: f }, state: state([gen({ name: 'web-g1', suspended: 3 })]) }));
    const g = genNamed(held.plan, 'web-g1')!;
    assert.ok(g.suspended + g.stopped > 0, `pool ${g.suspended}+${g.stopped}`);
  });

  it('GIVEN the pool sits on a warming successor, not on the primary WHEN planning THEN the pool counts as held', () => {
    const f = spreadForecast((h) => (h < 5 ? 0.05 : 0.4));
    const r = planFleet(input({ forecasts: { web: f }, state: state([gen({ name: 'web-g1', weight: 950 }), gen({ name: 'web-g2', role: 'shadow', state: 'warming', weight: 50, running: 2, suspended: 3 })]) }));
    assert.equal(r.decisions.find((d) => d.code === 'size.floor')!.numbers.poolHeld, 1);
  });

  it('GIVEN a spread wider than the configured headroom WHEN planning THEN the plan has no pool and the decision says why', () => {
    const r = planFleet(input({ forecasts: { web: forecastOf((h) => (h < 10 ? 100 : 200), { spread: 0.4 }) } }));
    const g = genNamed(r.plan, 'web-g1')!;
    assert.equal(g.suspended + g.stopped, 0);
    const size = r.decisions.find((d) => d.code === 'size.floor')!;
    assert.equal(size.numbers.poolOffWideSpread, 1);
    assert.match(size.message, /no pool: the forecast's spread over the pool's window is wider than the configured autoscaler headroom/);
  });

  it('GIVEN an event tripling demand over a window WHEN planning THEN the floors inside it triple', () => {
    const cfg = config([workload()], { events: [{ name: 'launch', start: iso(T0 + 30 * STEP), durationSec: 1800, multiplier: 3 }] });
    const r = planFleet(input({ config: cfg }));
    const g = genNamed(r.plan, 'web-g1')!;
    assert.equal(Math.max(...g.scalingSchedules.map((s) => s.minRequiredReplicas)), 33);
    assert.ok(codes(r).includes('forecast.event'));
  });
});

describe('planFleet: holding the fleet', () => {
  const held = (r: ReturnType<typeof planFleet>) => genNamed(r.plan, 'web-g1')!;

  it('GIVEN no forecast WHEN planning THEN the fleet stays as it is with hold.missing-forecast', () => {
    const r = planFleet(input({ forecasts: {} }));
    assert.deepEqual(codes(r), ['hold.missing-forecast']);
    assert.equal(held(r).running, 10);
    assert.equal(held(r).weight, 1000);
  });

  it('GIVEN the autoscaler runs 30 VMs above a planned floor of 10 WHEN the plan holds THEN it keeps the floor of 10, not the 30 (which would pin the autoscaler)', () => {
    const r = planFleet(input({ forecasts: {}, state: state([gen({ name: 'web-g1', running: 30, plannedRunning: 10 })]) }));
    assert.deepEqual(codes(r), ['hold.missing-forecast']);
    assert.equal(held(r).running, 10);
  });

  it('GIVEN a forecast older than forecastMaxAgeMs WHEN planning THEN hold.stale-forecast', () => {
    const r = planFleet(input({ forecasts: { web: forecastOf(() => 500, { originMs: T0 - 3_600_000 }) }, forecastMaxAgeMs: 30 * 60_000 }));
    assert.deepEqual(codes(r), ['hold.stale-forecast']);
    assert.equal(held(r).running, 10);
  });

  it('GIVEN a forecast with a NaN WHEN planning THEN hold.nan-forecast', () => {
    const r = planFleet(input({ forecasts: { web: forecastOf((h) => (h === 3 ? Number.NaN : 100)) } }));
    assert.deepEqual(codes(r), ['hold.nan-forecast']);
  });

  it('GIVEN the stand-in forecast made before there is history to calibrate WHEN planning THEN hold.uncalibrated-forecast', () => {
    const stand = { ...forecastOf(() => 500), model: 'insufficient-history' };
    const r = planFleet(input({ forecasts: { web: stand } }));
    assert.deepEqual(codes(r), ['hold.uncalibrated-forecast']);
    assert.equal(held(r).running, 10);
  });

  it('GIVEN no forecast and a fleet above a lowered VM cap WHEN planning THEN it holds but trims to the cap, pools first, and says so', () => {
    const w = workload();
    w.guardrails.maxVms = 12;
    const r = planFleet(input({ config: config([w]), forecasts: {}, state: state([gen({ name: 'web-g1', running: 10, suspended: 5 })]) }));
    assert.deepEqual(codes(r), ['hold.missing-forecast', 'guardrail.workload']);
    assert.deepEqual([held(r).running, held(r).suspended], [10, 2]);
  });

  it('GIVEN no forecast, no previous plan and a warming shadow WHEN planning THEN the shadow keeps mirroring and its one-VM floor', () => {
    const st = state([gen({ name: 'web-g1' }), gen({ name: 'web-g2', role: 'shadow', state: 'warming', placementId: 'b/n2', running: 0, weight: 0 })]);
    const r = planFleet(input({ forecasts: {}, state: st }));
    const shadow = genNamed(r.plan, 'web-g2')!;
    assert.equal(shadow.mirror, true);
    assert.equal(shadow.minReplicas, 1);
    assert.equal(genNamed(r.plan, 'web-g1')!.minReplicas, 1);
  });

  it('GIVEN the freeze switch WHEN planning THEN nothing changes and hold.freeze says why', () => {
    const w = workload();
    w.guardrails.freeze = true;
    const st = state([gen({ name: 'web-g1', running: 3, suspended: 2 })]);
    const r = planFleet(input({ config: config([w]), state: st, forecasts: { web: forecastOf(() => 900) } }));
    assert.deepEqual(codes(r), ['hold.freeze']);
    assert.equal(held(r).running, 3);
    assert.equal(held(r).suspended, 2);
    assert.deepEqual(validatePlan(r.plan, config([w]), st), []);
  });

  it('GIVEN no generation at all WHEN planning THEN a primary is created at full weight', () => {
    const r = planFleet(input({ state: state([]) }));
    assert.ok(codes(r).includes('generation.create-primary'));
    const g = genNamed(r.plan, 'web-g1')!;
    assert.equal(g.weight, 1000);
    assert.equal(g.role, 'primary');
  });
});

describe('planFleet: shadow lifecycle under contention', () => {
  // The primary placement holds 10 VMs; demand heads to 15 VMs' worth.
  // The other placement cannot hold the whole peak either, so this is overflow, not migration.
  const limited = () => {
    const w = workload();
    w.placements[0] = { ...w.placements[0], quotaVms: 10 };
    w.placements[1] = { ...w.placements[1], quotaVms: 10 };
    return w;
  };
  const rising = forecastOf((h) => 80 + h * 2);

  it('GIVEN contention probability above the threshold WHEN planning THEN a shadow is created in standby in another zone', () => {
    const r = planFleet(input({ config: config([limited()]), forecasts: { web: rising }, state: state([gen({ name: 'web-g1', running: 9 })]) }));
    const d = r.decisions.find((x) => x.code === 'shadow.create')!;
    assert.ok(Number(d.numbers.contentionProbability) > 0.2);
    const s = genNamed(r.plan, 'web-g2')!;
    assert.equal(s.state, 'standby');
    assert.equal(s.weight, 0);
    assert.equal(s.running, 0);
    assert.ok(s.suspended > 0);
    assert.equal(s.placement.id, 'b/n2');
  });

  it('GIVEN a primary that migrated away from the first placement WHEN contention calls for a shadow THEN the first placement can host it (it was never considered)', () => {
    const r = planFleet(input({ config: config([limited()]), forecasts: { web: rising }, state: state([gen({ name: 'web-g2', placementId: 'b/n2', running: 9 })]) }));
    assert.ok(r.decisions.some((x) => x.code === 'shadow.create'), r.decisions.map((d) => d.code).join(', '));
    assert.ok(!r.decisions.some((x) => x.code === 'shadow.no-placement'));
    const shadow = r.plan.workloads[0]!.generations.find((g) => g.role === 'shadow')!;
    assert.equal(shadow.placement.id, 'a/n2');
  });

  it('GIVEN a standby shadow and a crossing within resume + boot + tick WHEN planning THEN it goes warming with mirrored traffic', () => {
    const st = state([gen({ name: 'web-g1', running: 10 }), gen({ name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2', running: 0, suspended: 5, weight: 0 })]);
    const r = planFleet(input({ config: config([limited()]), forecasts: { web: forecastOf(() => 120) }, state: st }));
    const s = genNamed(r.plan, 'web-g2')!;
    assert.equal(s.state, 'warming');
    assert.equal(s.mirror, true);
    assert.ok(s.running >= 1);
    assert.equal(s.weight, 0);
  });

  it('GIVEN a warming shadow with healthy running VMs WHEN planning THEN it takes a canary weight of a few percent', () => {
    const st = state([gen({ name: 'web-g1', running: 10 }), gen({ name: 'web-g2', role: 'shadow', state: 'warming', placementId: 'b/n2', running: 2, weight: 0 })]);
    const r = planFleet(input({ config: config([limited()]), forecasts: { web: forecastOf(() => 120) }, state: st }));
    const s = genNamed(r.plan, 'web-g2')!;
    assert.ok(s.weight >= 10 && s.weight <= 50, `weight ${s.weight}`);
    assert.equal(genNamed(r.plan, 'web-g1')!.weight + s.weight, 1000);
  });

  it('GIVEN a warming shadow whose per-VM load deviates WHEN planning THEN it is held back', () => {
    const st = state([gen({ name: 'web-g1', running: 10, weight: 950, loadPerVm: 9.5 }), gen({ name: 'web-g2', role: 'shadow', state: 'warming', placementId: 'b/n2', running: 1, weight: 50, loadPerVm: 15 })]);
    const r = planFleet(input({ config: config([limited()]), forecasts: { web: forecastOf(() => 120) }, state: st }));
    assert.ok(codes(r).includes('shadow.hold-load-delta'));
    assert.equal(genNamed(r.plan, 'web-g2')!.weight, 50);
  });

  it('GIVEN a canary that matches the primary WHEN planning THEN it turns active with weight in proportion to its capacity', () => {
    const st = state([gen({ name: 'web-g1', running: 10, weight: 950, loadPerVm: 9.5 }), gen({ name: 'web-g2', role: 'shadow', state: 'warming', placementId: 'b/n2', running: 4, weight: 50, loadPerVm: 5 / 4 })]);
    const r = planFleet(input({ config: config([limited()]), forecasts: { web: forecastOf(() => 120) }, state: st }));
    const s = genNamed(r.plan, 'web-g2')!;
    assert.equal(s.state, 'active');
    // Overflow 132 - 100 = 32 demand = 4 VMs next to the primary's 10: 4/14 of traffic.
    assert.equal(s.weight, Math.floor((1000 * 4) / 14));
  });

  it('GIVEN contention gone for longer than the drain period WHEN planning THEN the standby shadow is removed when its pool costs more than it avoids', () => {
    const st = state([gen({ name: 'web-g1', running: 8 }), gen({ name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2', running: 0, suspended: 5, weight: 0, since: iso(T0 - 3_600_000) })]);
    const r = planFleet(input({ config: config([limited()]), forecasts: { web: forecastOf(() => 40) }, state: st }));
    assert.ok(codes(r).includes('shadow.remove'));
    assert.equal(genNamed(r.plan, 'web-g2'), undefined);
    assert.deepEqual(validatePlan(r.plan, config([limited()]), st), []);
  });
});

describe('planFleet: migration and failover', () => {
  it('GIVEN a new templateVersion WHEN ticking THEN a successor goes standby -> warming -> active, the old primary drains, and is retired only after drainSec', () => {
    const wOld = workload({ templateVersion: 'v1' });
    let r = planFleet(input({ config: config([wOld]) }));
    const wNew = workload({ templateVersion: 'v2' });
    wNew.guardrails.maxWeightStepPerTick = 500;
    const cfg = config([wNew]);
    let now = T0;
    const seen: string[] = [];
    let previous = r.plan;
    let st = stateAfter(previous, now);
    for (let tick = 0; tick < 12; tick++) {
      now += 5 * 60_000;
      r = planFleet({ now: iso(now), config: cfg, forecasts: { web: forecastOf(() => 100, { originMs: now + STEP }) }, state: st, previous });
      assert.deepEqual(validatePlan(r.plan, cfg, st), [], `tick ${tick}`);
      seen.push(...codes(r).filter((c) => c.startsWith('migrate') || c.startsWith('shadow') || c.startsWith('generation') || c === 'weight.shift'));
      previous = r.plan;
      st = stateAfter(r.plan, now);
    }
    for (const c of ['migrate.create-successor', 'shadow.warm', 'shadow.canary', 'weight.shift', 'migrate.takeover', 'generation.retire']) assert.ok(seen.includes(c), `missing ${c} in ${seen.join(',')}`);
    assert.ok(seen.indexOf('generation.retire') > seen.indexOf('migrate.takeover'));
    const gens = r.plan.workloads[0].generations;
    assert.equal(gens.length, 1);
    assert.equal(gens[0].instanceTemplate.version, 'v2');
    assert.equal(gens[0].weight, 1000);
  });

  it('GIVEN no previous plan (the run loop) and a state that reports the running template WHEN the config names a new one THEN the migration runs to retirement and the old template is never rewritten in place', () => {
    const cfg = config([workload({ templateVersion: 'v2' })]);
    cfg.workloads[0].guardrails.maxWeightStepPerTick = 500;
    let now = T0;
    let st = state([gen({ name: 'web-g1', templateVersion: 'v1' })]);
    const seen: string[] = [];
    for (let tick = 0; tick < 12; tick++) {
      now += 5 * 60_000;
      const r = planFleet({ now: iso(now), config: cfg, forecasts: { web: forecastOf(() => 100, { originMs: now + STEP }) }, state: st });
      assert.deepEqual(validatePlan(r.plan, cfg, st), [], `tick ${tick}`);
      const old = genNamed(r.plan, 'web-g1');
      if (old) assert.equal(old.instanceTemplate.version, 'v1', `tick ${tick}: web-g1 keeps its template`);
      seen.push(...codes(r));
      st = stateAfter(r.plan, now);
    }
    assert.ok(!seen.includes('state.template-unknown'));
    for (const c of ['migrate.create-successor', 'migrate.takeover', 'generation.retire']) assert.ok(seen.includes(c), `missing ${c}`);
  });

  it('GIVEN no previous plan and a state without template versions WHEN planning THEN it says it assumes the configured template', () => {
    const bare = gen({ name: 'web-g1' });
    delete bare.templateVersion;
    const r = planFleet(input({ state: state([bare]) }));
    const d = r.decisions.find((x) => x.code === 'state.template-unknown');
    assert.ok(d, codes(r).join(','));
    assert.equal(d.numbers.assumed, 'v1');
  });

  it('GIVEN an unhealthy primary and a healthy shadow WHEN planning THEN all weight moves to the shadow at once and it resumes its pool', () => {
    const st = state([gen({ name: 'web-g1', running: 10, healthy: false }), gen({ name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2', running: 0, suspended: 12, weight: 0 })]);
    const r = planFleet(input({ state: st }));
    assert.ok(codes(r).includes('failover'));
    const s = genNamed(r.plan, 'web-g2')!;
    assert.equal(s.weight, 1000);
    assert.equal(s.role, 'primary');
    assert.equal(s.running, 11);
    assert.equal(genNamed(r.plan, 'web-g1')!.state, 'draining');
    assert.deepEqual(validatePlan(r.plan, config(), st), []);
  });

  it('GIVEN an unhealthy primary, a healthy standby shadow and a stale forecast WHEN planning THEN the hold still fails over and the shadow resumes its whole pool', () => {
    const st = state([gen({ name: 'web-g1', running: 10, healthy: false }), gen({ name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2', running: 0, suspended: 12, stopped: 3, weight: 0 })]);
    const r = planFleet(input({ state: st, forecasts: { web: forecastOf(() => 500, { originMs: T0 - 3_600_000 }) }, forecastMaxAgeMs: 30 * 60_000 }));
    assert.deepEqual(codes(r).slice(0, 2), ['hold.stale-forecast', 'failover']);
    const s = genNamed(r.plan, 'web-g2')!;
    assert.equal(s.weight, 1000);
    assert.equal(s.role, 'primary');
    assert.equal(s.running, 15);
    assert.equal(s.suspended + s.stopped, 0);
    assert.equal(genNamed(r.plan, 'web-g1')!.weight, 0);
    assert.deepEqual(validatePlan(r.plan, config(), st), []);
  });

  it('GIVEN an unhealthy primary and no shadow WHEN planning tick after tick THEN a replacement is prepared in another placement and takes the weight once healthy (it stayed on the failed group forever)', () => {
    // Tick 1: nothing can take the weight yet; a standby replacement gets a pool of the serving floor.
    const st1 = state([gen({ name: 'web-g1', healthy: false })]);
    const r1 = planFleet(input({ state: st1 }));
    assert.ok(codes(r1).includes('failover.no-healthy-shadow'));
    assert.ok(codes(r1).includes('failover.prepare-replacement'), codes(r1).join(','));
    assert.equal(genNamed(r1.plan, 'web-g1')!.weight, 1000, 'the failed primary keeps serving meanwhile');
    const rep = genNamed(r1.plan, 'web-g2')!;
    assert.equal(rep.state, 'standby');
    assert.equal(rep.placement.id, 'b/n2');
    assert.equal(rep.suspended, 11, 'a pool of the serving floor (q0.95 = 110 at 10 per VM)');
    assert.deepEqual(validatePlan(r1.plan, config(), st1), []);
    // Tick 2: the replacement's pool exists (healthy standby), the primary is still down: failover.
    const st2 = stateAfter(r1.plan, T0 + 15 * 60_000, (g) => (g.name === 'web-g1' ? { ...g, healthy: false } : g));
    const r2 = planFleet(input({ state: st2, now: iso(T0 + 15 * 60_000), forecasts: { web: forecastOf(() => 100, { originMs: T0 + 16 * 60_000 }) }, previous: r1.plan }));
    assert.ok(codes(r2).includes('failover'), codes(r2).join(','));
    const g2 = genNamed(r2.plan, 'web-g2')!;
    assert.equal(g2.weight, 1000);
    assert.equal(g2.role, 'primary');
    assert.ok(g2.running >= 11, `running ${g2.running}`);
    assert.equal(genNamed(r2.plan, 'web-g1')!.state, 'draining');
  });

  it('GIVEN an unhealthy primary, no shadow and a stale forecast (a dead primary stops its metrics) WHEN planning THEN the hold still readies a replacement sized on what the primary runs, and the plan is applied', () => {
    const st = state([gen({ name: 'web-g1', healthy: false, running: 10 })]);
    const r = planFleet(input({ state: st, forecasts: { web: forecastOf(() => 500, { originMs: T0 - 3_600_000 }) }, forecastMaxAgeMs: 30 * 60_000 }));
    assert.ok(codes(r).includes('hold.stale-forecast'));
    assert.ok(codes(r).includes('failover.prepare-replacement'), codes(r).join(','));
    assert.equal(genNamed(r.plan, 'web-g2')!.suspended, 10);
    assert.equal(isHeld(r.decisions), false, 'a held plan that readies a replacement is applied');
  });

  it('GIVEN an unhealthy primary and an unhealthy shadow WHEN planning THEN the replacement goes to a third placement, not onto the failing shadow', () => {
    const w = workload();
    w.placements.push({ id: 'c/n2', zone: 'us-central1-c', region: 'us-central1', machineType: 'n2-standard-4', pricePerHour: 1.3, suspendedPricePerHour: 0.1, stoppedPricePerHour: 0.05 });
    const st = state([gen({ name: 'web-g1', healthy: false }), gen({ name: 'web-g2', role: 'shadow', state: 'active', placementId: 'b/n2', running: 3, weight: 0, healthy: false })]);
    const r = planFleet(input({ config: config([w]), state: st }));
    const d = r.decisions.find((x) => x.code === 'failover.prepare-replacement')!;
    assert.ok(d, codes(r).join(','));
    assert.equal(d.generation, 'web-g3');
    assert.equal(genNamed(r.plan, 'web-g3')!.placement.id, 'c/n2');
    assert.equal(genNamed(r.plan, 'web-g3')!.suspended, 11);
  });

  it('GIVEN a failed primary and a workload VM cap at the serving floor WHEN planning THEN the replacement keeps a pool and the failed primary one running VM (it was capped at 0 while carrying the traffic)', () => {
    const w = workload();
    w.guardrails.maxVms = 11;
    const st = state([gen({ name: 'web-g1', healthy: false, suspended: 3 })]);
    const r = planFleet(input({ config: config([w]), state: st }));
    const g1 = genNamed(r.plan, 'web-g1')!;
    const g2 = genNamed(r.plan, 'web-g2')!;
    assert.equal(g1.weight, 1000);
    assert.ok(g1.running >= 1 && g1.maxReplicas >= 1, `primary run ${g1.running} max ${g1.maxReplicas}`);
    assert.ok(g2.suspended >= 1, 'the replacement keeps a pool to fail over to');
    assert.ok(g1.running + g1.suspended + g2.suspended <= 11);
    assert.deepEqual(validatePlan(r.plan, config([w]), st), []);
  });

  it('GIVEN an unhealthy primary, no healthy shadow and no other placement WHEN planning THEN it says so and keeps serving', () => {
    const w = workload();
    w.placements = [w.placements[0]!];
    const r = planFleet(input({ config: config([w]), state: state([gen({ name: 'web-g1', healthy: false })]) }));
    assert.ok(codes(r).includes('failover.no-placement'), codes(r).join(','));
    assert.equal(genNamed(r.plan, 'web-g1')!.weight, 1000);
    assert.equal(r.plan.workloads[0]!.generations.length, 1);
  });
});

describe('planFleet: guardrails', () => {
  it('GIVEN a workload VM cap below the need WHEN planning THEN pools go first and the plan fits the cap', () => {
    const w = workload();
    w.guardrails.maxVms = 12;
    const r = planFleet(input({ config: config([w]), forecasts: { web: forecastOf((h) => (h < 10 ? 100 : 300)) } }));
    const g = genNamed(r.plan, 'web-g1')!;
    assert.ok(g.running + g.suspended + g.stopped <= 12);
    assert.equal(g.running, 11);
    assert.ok(codes(r).includes('guardrail.workload'));
  });

  it('GIVEN a total cap WHEN two workloads compete THEN the lower priority gives first', () => {
    const hi = workload({ name: 'hi', priority: 10 });
    const lo = workload({ name: 'lo', priority: 1 });
    const cfg = config([hi, lo], { totalGuardrails: { maxVms: 30, maxSpendPerHour: 1e9 } });
    const st = { observedAt: iso(T0), workloads: [{ workload: 'hi', generations: [gen({ name: 'hi-g1' })] }, { workload: 'lo', generations: [gen({ name: 'lo-g1' })] }] };
    const f = forecastOf((h) => (h < 10 ? 150 : 250));
    const r = planFleet({ now: iso(T0), config: cfg, forecasts: { hi: f, lo: f }, state: st });
    const count = (name: string) => r.plan.workloads.find((w) => w.workload === name)!.generations.reduce((s, g) => s + g.running + g.suspended + g.stopped, 0);
    assert.ok(count('hi') + count('lo') <= 30);
    assert.ok(count('hi') > count('lo'), `hi ${count('hi')} lo ${count('lo')}`);
    assert.ok(r.decisions.some((d) => d.code === 'guardrail.total' && d.workload === 'lo'));
  });
});

describe('planFleet: floors after a guardrail trims the pool', () => {
  // 1-minute steps, a 10-minute boot and a 1-minute resume: a VM that boots is asked 11 steps
  // ahead of the rise, one that resumes 2 steps ahead. The rise (11 -> 22 VMs at q*) is at step
  // 20, i.e. T0 + 21 min; a boot ahead of it is step 9 (T0 + 10 min), a resume ahead step 18.
  const slowBoot = { bootSec: 600, resumeSec: 60, startSec: 120 };
  const rising = forecastOf((h) => (h < 20 ? 100 : 200));
  const BOOT_AHEAD_MS = T0 + 10 * STEP;
  const RESUME_AHEAD_MS = T0 + 19 * STEP;
  const floorAt = (g: GenerationPlan, atMs: number) => Math.max(0, ...g.scalingSchedules.map((s) => scheduleWindow(s, T0)).filter((x) => x.startMs <= atMs && atMs < x.endMs).map((x) => x.minRequiredReplicas));
  const spendOf = (g: GenerationPlan) => g.running * g.placement.pricePerHour + g.suspended * g.placement.suspendedPricePerHour + g.stopped * g.placement.stoppedPricePerHour;
  const vmsOf = (g: GenerationPlan) => g.running + g.suspended + g.stopped;

  it('GIVEN a rise later in the horizon and a workload spend cap that trims the pool WHEN planning THEN the VMs beyond the kept pool are asked a boot ahead of the rise, running now is unchanged and the caps hold', () => {
    const planWith = (maxSpendPerHour: number) => {
      const w = workload({ latencies: slowBoot });
      w.guardrails.maxSpendPerHour = maxSpendPerHour;
      return planFleet(input({ config: config([w]), forecasts: { web: rising } }));
    };
    const free = genNamed(planWith(1e6).plan, 'web-g1')!;
    const r = planWith(11.5);
    const g = genNamed(r.plan, 'web-g1')!;
    const kept = g.suspended + g.stopped;
    assert.ok(kept > 0 && kept < free.suspended + free.stopped, `pool ${kept} kept of ${free.suspended + free.stopped}`);
    // Before the trim the pool covered the whole rise: a boot ahead the floor was still 11.
    assert.equal(floorAt(free, BOOT_AHEAD_MS), 11);
    assert.equal(floorAt(g, BOOT_AHEAD_MS), 22 - kept);
    assert.equal(floorAt(g, RESUME_AHEAD_MS), 22);
    assert.equal(g.running, free.running);
    assert.equal(floorAt(g, T0), g.running);
    assert.ok(spendOf(g) <= 11.5 + 1e-9, `spend ${spendOf(g)}`);
    assert.ok(g.scalingSchedules.every((s) => s.minRequiredReplicas <= g.maxReplicas));
    assert.ok(vmsOf(g) - g.running + g.maxReplicas <= 1000, 'the autoscaler cap keeps the VM cap with the kept pool');
    const d = r.decisions.find((x) => x.code === 'guardrail.floors-rebooted')!;
    assert.ok(d, `decisions ${codes(r).join(', ')}`);
    assert.equal(d.generation, 'web-g1');
    assert.equal(d.numbers.keptSuspended, g.suspended);
    assert.equal(d.numbers.largestRaise, 22 - kept - 11);
    assert.equal(d.numbers.firstRaisedAt, iso(BOOT_AHEAD_MS));
  });

  it('GIVEN a rise later in the horizon and a total VM cap across two workloads that trims the lower priority\'s pool WHEN planning THEN its VMs beyond the kept pool are asked a boot ahead, running now is unchanged and the caps hold', () => {
    const planWith = (maxVms: number) => {
      const cfg = config([workload({ name: 'hi', priority: 10, latencies: slowBoot }), workload({ name: 'lo', priority: 1, latencies: slowBoot })], { totalGuardrails: { maxVms, maxSpendPerHour: 1e9 } });
      const st = { observedAt: iso(T0), workloads: [{ workload: 'hi', generations: [gen({ name: 'hi-g1' })] }, { workload: 'lo', generations: [gen({ name: 'lo-g1' })] }] };
      return planFleet({ now: iso(T0), config: cfg, forecasts: { hi: rising, lo: rising }, state: st });
    };
    const genOf = (r: ReturnType<typeof planFleet>, name: string) => r.plan.workloads.flatMap((w) => w.generations).find((g) => g.name === name)!;
    const free = planWith(100_000);
    const r = planWith(40);
    const lo = genOf(r, 'lo-g1');
    const hi = genOf(r, 'hi-g1');
    const kept = lo.suspended + lo.stopped;
    assert.ok(kept < genOf(free, 'lo-g1').suspended + genOf(free, 'lo-g1').stopped, 'the total cap must trim lo\'s pool for this test');
    assert.equal(floorAt(genOf(free, 'lo-g1'), BOOT_AHEAD_MS), 11);
    assert.equal(floorAt(lo, BOOT_AHEAD_MS), 22 - kept);
    assert.equal(floorAt(lo, RESUME_AHEAD_MS), 22);
    assert.equal(lo.running, genOf(free, 'lo-g1').running);
    assert.equal(floorAt(lo, T0), lo.running);
    // The higher priority kept its pool, and with it its floors.
    assert.deepEqual(hi.scalingSchedules, genOf(free, 'hi-g1').scalingSchedules);
    assert.ok(vmsOf(lo) + vmsOf(hi) <= 40, `${vmsOf(lo)} + ${vmsOf(hi)} VMs`);
    for (const g of [lo, hi]) assert.ok(g.scalingSchedules.every((s) => s.minRequiredReplicas <= g.maxReplicas), g.name);
    const d = r.decisions.find((x) => x.code === 'guardrail.floors-rebooted' && x.workload === 'lo');
    assert.ok(d, `decisions ${codes(r).join(', ')}`);
    assert.ok(!r.decisions.some((x) => x.code === 'guardrail.floors-rebooted' && x.workload === 'hi'));
  });

  it('GIVEN a rise later in the horizon and a workload VM cap that trims the pool (an overflow shadow holds VMs too) WHEN planning THEN no floor rises above the autoscaler cap, running now is unchanged, and the decision says the floors are held at the cap', () => {
    const planWith = (maxVms: number) => {
      const w = workload({ latencies: slowBoot });
      w.guardrails.maxVms = maxVms;
      // Under the cap the rise overflows to this shadow, whose VMs count against the cap too;
      // recently stood down, so the uncapped plan keeps it as well.
      const shadow = gen({ name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2', running: 0, suspended: 5, weight: 0, since: iso(T0 - STEP) });
      return planFleet(input({ config: config([w]), forecasts: { web: rising }, state: state([gen({ name: 'web-g1' }), shadow]) }));
    };
    const free = genNamed(planWith(1000).plan, 'web-g1')!;
    const r = planWith(20);
    const g = genNamed(r.plan, 'web-g1')!;
    assert.ok(g.suspended + g.stopped < free.suspended + free.stopped, 'the cap must trim the primary\'s pool for this test');
    assert.equal(g.running, free.running);
    assert.ok(r.plan.workloads[0].generations.reduce((s, x) => s + vmsOf(x), 0) <= 20);
    for (const x of r.plan.workloads[0].generations) assert.ok(x.scalingSchedules.every((s) => s.minRequiredReplicas <= x.maxReplicas), x.name);
    const d = r.decisions.find((x) => x.code === 'guardrail.floors-rebooted');
    assert.ok(d, `decisions ${codes(r).join(', ')}`);
    assert.equal(d.numbers.bound, g.maxReplicas);
  });
});

describe('refloorAfterTrim', () => {
  // Need 10 VMs until step 8, then 20: resume 1 step ahead, start 2, boot 4.
  const need = Array.from({ length: 12 }, (_, h) => (h < 8 ? 10 : 20));
  const ahead = (lead: number) => need.map((_, h) => Math.max(...need.slice(h, h + lead + 1)));
  const STEP5 = 5 * 60_000;
  const sized = (): SizedFloors => ({ paths: { resume: ahead(1), start: ahead(2), boot: ahead(4) }, stepTimesMs: need.map((_, h) => T0 + h * STEP5), stepMs: STEP5, limit: 100, suspended: 10, stopped: 0, running: 10 });
  const generation = (over: Partial<GenerationPlan>): GenerationPlan => ({
    name: 'web-g1', role: 'primary', state: 'active', placement: { id: 'a/n2', region: 'r', machineType: 'm', pricePerHour: 1, suspendedPricePerHour: 0.1, stoppedPricePerHour: 0.05 },
    instanceTemplate: { machineType: 'm', image: 'i', version: 'v1' }, minReplicas: 1, maxReplicas: 100, targetUtilization: 0.6,
    running: 10, suspended: 10, stopped: 0, scalingSchedules: [], weight: 1000, mirror: false, since: iso(T0), ...over,
  });
  const floorsOf = (g: GenerationPlan) => g.scalingSchedules.map((s) => s.minRequiredReplicas);

  it('GIVEN no pool VM removed WHEN refloored THEN the generation is left alone', () => {
    const g = generation({});
    assert.equal(refloorAfterTrim(g, sized(), T0), undefined);
    assert.deepEqual(g.scalingSchedules, []);
  });

  it('GIVEN the whole pool removed WHEN refloored THEN the rise is asked a boot ahead (from step 4), not a resume ahead (step 7)', () => {
    const g = generation({ suspended: 0 });
    const r = refloorAfterTrim(g, sized(), T0)!;
    assert.deepEqual(floorsOf(g), [10, 10, 10, 10, 20, 20, 20, 20, 20, 20, 20, 20]);
    assert.deepEqual({ first: r.firstRaisedStep, steps: r.raisedSteps, up: r.largestRaise, removed: r.removedSuspended }, { first: 4, steps: 3, up: 10, removed: 10 });
  });

  it('GIVEN an autoscaler cap of 15 WHEN refloored THEN no floor goes above it', () => {
    const g = generation({ suspended: 0, maxReplicas: 15 });
    refloorAfterTrim(g, sized(), T0);
    assert.ok(floorsOf(g).every((f) => f <= 15), floorsOf(g).join(','));
  });

  it('GIVEN a trim that also cut the running floor to 8 WHEN refloored THEN every floor stays at 8 or below', () => {
    const g = generation({ suspended: 0, running: 8 });
    refloorAfterTrim(g, sized(), T0);
    assert.ok(floorsOf(g).every((f) => f <= 8), floorsOf(g).join(','));
  });

  it('GIVEN a rise a boot ahead of now WHEN refloored THEN the window starting now stays at the running floor and the rise lands in the next windows', () => {
    const s = sized();
    // The rise at step 3: a boot ahead of it is step 0, now.
    const early = Array.from({ length: 12 }, (_, h) => (h < 3 ? 10 : 20));
    const aheadOf = (lead: number) => early.map((_, h) => Math.max(...early.slice(h, h + lead + 1)));
    s.paths = { resume: aheadOf(1), start: aheadOf(2), boot: aheadOf(4) };
    const g = generation({ suspended: 0 });
    refloorAfterTrim(g, s, T0);
    assert.equal(floorsOf(g)[0], 10);
    assert.equal(floorsOf(g)[1], 20);
  });
});

describe('costReport', () => {
  it('GIVEN a standby shadow and a forecast far below the primary capacity WHEN reporting THEN it recommends removing the shadow', () => {
    const w = workload();
    w.placements[0] = { ...w.placements[0], quotaVms: 20 };
    const st = state([gen({ name: 'web-g1', running: 5 }), gen({ name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2', running: 0, suspended: 10, weight: 0, since: iso(T0) })]);
    const r = planFleet(input({ config: config([w]), forecasts: { web: forecastOf(() => 40) }, state: st }));
    const planWithShadow = JSON.parse(JSON.stringify(r.plan)) as FleetPlan;
    const report = costReport({ config: config([w]), plan: planWithShadow, forecasts: { web: forecastOf(() => 40) }, now: iso(T0) });
    assert.equal(report[0].workload, 'web');
    assert.ok(report[0].shadowCostPerHour > report[0].shortfallAvoidedPerHour);
    assert.deepEqual(report[0].recommendRemoval, ['web-g2']);
  });

  it('GIVEN demand well above the primary capacity WHEN reporting THEN the shadow pays for itself', () => {
    const w = workload();
    w.placements[0] = { ...w.placements[0], quotaVms: 10 };
    const st = state([gen({ name: 'web-g1', running: 10 }), gen({ name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'b/n2', running: 0, suspended: 8, weight: 0, since: iso(T0) })]);
    const r = planFleet(input({ config: config([w]), forecasts: { web: forecastOf(() => 150) }, state: st }));
    const report = costReport({ config: config([w]), plan: r.plan, forecasts: { web: forecastOf(() => 150) }, now: iso(T0) });
    assert.ok(report[0].shortfallAvoidedPerHour > report[0].shadowCostPerHour, report[0].message);
    assert.deepEqual(report[0].recommendRemoval, []);
  });

  it('GIVEN a cheaper placement WHEN the planner starts a successor THEN the report values it by its savings, not as overflow', () => {
    const w = workload();
    w.placements.push({ id: 'c/e2', zone: 'us-central1-c', region: 'us-central1', machineType: 'e2-standard-4', pricePerHour: 0.5, suspendedPricePerHour: 0.04, stoppedPricePerHour: 0.02 });
    const st = state([gen({ name: 'web-g1', running: 5 })]);
    const r = planFleet(input({ config: config([w]), forecasts: { web: forecastOf(() => 40) }, state: st }));
    assert.ok(codes(r).includes('migrate.create-successor'), codes(r).join(','));
    const report = costReport({ config: config([w]), plan: r.plan, forecasts: { web: forecastOf(() => 40) }, now: iso(T0) });
    // Median demand 40 at 10 per VM: 4 VMs saving 0.5/h each.
    assert.ok(Math.abs(report[0].savingsPerHour - 2) < 0.2, report[0].message);
    assert.deepEqual(report[0].recommendRemoval, [], report[0].message);
    assert.match(report[0].message, /successor web-g\d+ costs .* saves/);
  });
});

describe('checkPlannerConfig', () => {
  it('GIVEN an SLO above the highest forecast quantile WHEN checking THEN the slo is named with the level to add', () => {
    const w = workload({ sloServedPct: 99.9 });
    assert.throws(() => checkPlannerConfig(config([w]), 'prod.yaml'), (e: unknown) => e instanceof ShadowscaleError && /workloads\.0\.slo\.servedPct: expected a share the forecast covers: 99\.9 % needs the 0\.999 quantile, above the highest forecast level 0\.99/.test(e.message));
    assert.doesNotThrow(() => checkPlannerConfig(config([workload({ sloServedPct: 99 })])));
  });

  it('GIVEN a weight step of 0 WHEN checking THEN a config error names the field', () => {
    const w = workload();
    w.guardrails.maxWeightStepPerTick = 0;
    assert.throws(() => checkPlannerConfig(config([w]), 'prod.yaml'), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'config' && /^prod\.yaml: workloads\.0\.guardrails\.maxWeightStepPerTick: expected a whole number in 1\.\.1000/.test(e.message));
  });

  it('GIVEN a spend cap below one VM WHEN checking THEN a config error names maxSpendPerHour', () => {
    const w = workload();
    w.guardrails.maxSpendPerHour = 0.5;
    assert.throws(() => checkPlannerConfig(config([w])), /workloads\.0\.guardrails\.maxSpendPerHour: expected at least 1\/h, the price of one running VM in the primary placement, got 0\.5\/h/);
  });

  it('GIVEN two placements with one id, a negative latency and an event for an unknown workload WHEN checking THEN each problem names its field', () => {
    const w = workload();
    w.placements[1] = { ...w.placements[1], id: w.placements[0].id };
    w.latencies.resumeSec = -1;
    const cfg = config([w], { events: [{ name: 'sale', workload: 'api', start: iso(T0), durationSec: 600, multiplier: 2 }] });
    assert.throws(() => checkPlannerConfig(cfg), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'config'
      && e.message.split('\n').length === 3
      && /workloads\.0\.placements\.1\.id: expected a unique id, "a\/n2" is used by an earlier placement/.test(e.message)
      && /workloads\.0\.latencies\.resume: expected a duration >= 0 s, got -1/.test(e.message)
      && /events\.0\.workload: expected a configured workload, got "api"/.test(e.message));
  });

  it('GIVEN a total spend cap below one VM per workload WHEN planning THEN planFleet rejects the config naming its config key limits.maxSpendPerHour', () => {
    const cfg = config([workload()], { totalGuardrails: { maxVms: 10, maxSpendPerHour: 0.5 } });
    assert.throws(() => planFleet(input({ config: cfg })), /shadowscale\.yaml: limits\.maxSpendPerHour: expected at least 1\/h, one running VM per workload in its primary placement, got 0\.5\/h$/);
  });

  it('GIVEN a valid config WHEN checking THEN it passes', () => {
    assert.doesNotThrow(() => checkPlannerConfig(config()));
  });
});
