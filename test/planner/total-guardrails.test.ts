import assert from 'node:assert/strict';
import { planFleet } from '../../automation/plan';
import { heldRunning, trimHeldToCaps, trimToCaps } from '../../automation/planner/guardrails';
import { plannedUsage, recheckTotals } from '../../automation/modes/run-once';
import { DEFAULT_FLEET_MODEL, SimMig } from '../../automation/sim/fleet';
import type { FleetState, WorkloadPlan } from '../../automation/fleet-plan';
import type { ShadowscaleConfig } from '../../automation/config-types';
import { generation, workloadPlan } from '../automation/helpers';
import { T0, config, forecastOf, gen, iso, workload } from './fixtures';

/**
 * Two workloads over a total VM cap, the lower-priority one running more VMs than its floor
 * (its autoscaler scaled out on load): the planner's trim and the re-check before acting must
 * count the same VMs, or the trim lowers a floor on paper while the re-check refuses the
 * higher-priority workload's growth.
 */
describe('total guardrails: a trim the fleet actually makes', () => {
  const hi = workload({ name: 'hi', priority: 10 });
  const lo = workload({ name: 'lo', priority: 1 });
  const cfg = config([hi, lo], { totalGuardrails: { maxVms: 60, maxSpendPerHour: 1e9 } });
  // hi runs 10 and needs ~25; lo runs 40, though its own forecast asks a floor of ~15.
  const st: FleetState = {
    observedAt: iso(T0),
    workloads: [
      { workload: 'hi', generations: [gen({ name: 'hi-g1', running: 10 })] },
      { workload: 'lo', generations: [gen({ name: 'lo-g1', running: 40 })] },
    ],
  };
  const plan = () => planFleet({ now: iso(T0), config: cfg, forecasts: { hi: forecastOf(() => 200), lo: forecastOf(() => 120) }, state: st });
  const statusOf = (w: WorkloadPlan) => st.workloads.find((s) => s.workload === w.workload);

  it('GIVEN the lower priority runs above its trimmed floor WHEN planning THEN its autoscaler is capped at what the trim left, and the decision says so', () => {
    const r = plan();

    const loG = r.plan.workloads.find((w) => w.workload === 'lo')!.generations[0]!;
    assert.ok(loG.maxReplicas < 40, `lo-g1's maxReplicas ${loG.maxReplicas} makes the group give VMs it runs now`);
    const loHeld = plannedUsage(r.plan.workloads.find((w) => w.workload === 'lo')!, statusOf(r.plan.workloads[1]!)).vms;
    const hiHeld = plannedUsage(r.plan.workloads.find((w) => w.workload === 'hi')!, statusOf(r.plan.workloads[0]!)).vms;
    assert.equal(loHeld + hiHeld, 60, `hi ${hiHeld} + lo ${loHeld} fills the cap exactly`);
    const d = r.decisions.find((x) => x.code === 'guardrail.total' && x.workload === 'lo');
    assert.ok(d, 'lo gives');
    assert.match(d!.message, new RegExp(`lo-g1's autoscaler is capped at ${loG.maxReplicas} VMs \\(it runs 40: the group scales in to ${loG.maxReplicas}\\)`));
    assert.equal(d!.numbers['maxReplicas:lo-g1'], loG.maxReplicas);
    assert.ok(!r.decisions.some((x) => x.code === 'guardrail.total' && x.workload === 'hi'), 'hi, the higher priority, gives nothing');
  });

  it('GIVEN that plan WHEN the totals are re-checked before acting THEN the higher-priority growth passes', () => {
    const r = plan();

    const refused = recheckTotals(cfg as ShadowscaleConfig, st, r.plan.workloads);

    assert.deepEqual([...refused.entries()], []);
  });

  it('GIVEN that plan applied WHEN the lower-priority autoscaler still sees load for 40 VMs THEN its group holds at the cap', () => {
    const r = plan();
    const loG = r.plan.workloads.find((w) => w.workload === 'lo')!.generations[0]!;
    const mig = new SimMig({ name: loG.name, autoscale: true, targetUtilization: loG.targetUtilization, minReplicas: loG.minReplicas, maxReplicas: loG.maxReplicas, schedules: [], suspended: 0, stopped: 0, weight: loG.weight }, DEFAULT_FLEET_MODEL);

    // Demand that recommends 40 VMs at the target utilisation (capacity 10 per VM).
    for (let m = 0; m < 30; m++) mig.actuate(T0 + m * 60_000, 40 * 10 * loG.targetUtilization, 10);

    assert.equal(mig.target, loG.maxReplicas);
    assert.ok(mig.target < 40);
  });
});

describe('trimHeldToCaps', () => {
  it('GIVEN two workloads over a 70-VM cap, the lower priority running 40 over a floor of 20 WHEN trimmed THEN it gives its running VMs and its maxReplicas follows', () => {
    const lo = workloadPlan('lo', [generation('lo-g1', { running: 20, minReplicas: 20, maxReplicas: 50 })]);
    const hi = workloadPlan('hi', [generation('hi-g1', { running: 50, minReplicas: 50, maxReplicas: 60 })]);

    const given = trimHeldToCaps([lo, hi], 70, Infinity, new Map([['lo-g1', 40], ['hi-g1', 10]]));

    // 50 + 40 = 90 held: lo gives 20 of the 40 it runs; its floor of 20 stays.
    assert.deepEqual([...given], [['lo', { vms: 20, capped: [{ generation: 'lo-g1', maxReplicas: 20, runningNow: 40 }], pools: [] }]]);
    assert.equal(lo.generations[0]!.maxReplicas, 20);
    assert.equal(lo.generations[0]!.running, 20);
    assert.equal(heldRunning(lo.generations[0]!, 40), 20);
    assert.equal(hi.generations[0]!.maxReplicas, 60, 'hi keeps its autoscaler');
  });

  it('GIVEN a cap below the lower priority alone WHEN trimmed THEN its serving generation keeps one VM and the higher priority gives the rest', () => {
    const lo = workloadPlan('lo', [generation('lo-g1', { running: 5, minReplicas: 5, maxReplicas: 50 })]);
    const hi = workloadPlan('hi', [generation('hi-g1', { running: 10, minReplicas: 10, maxReplicas: 60 })]);

    const given = trimHeldToCaps([lo, hi], 8, Infinity, new Map());

    assert.equal(lo.generations[0]!.maxReplicas, 1);
    assert.equal(hi.generations[0]!.maxReplicas, 7);
    assert.deepEqual([...given].map(([w, g]) => [w, g.vms]), [['lo', 4], ['hi', 3]]);
  });

  it('GIVEN a workload whose overflow shadow carries 250 of its traffic WHEN a cap takes its VMs THEN every generation with traffic keeps one running VM (the shadow was capped at 0 with its weight kept)', () => {
    const lo = workloadPlan('lo', [generation('lo-g1', { running: 6, minReplicas: 1, maxReplicas: 50, weight: 750 }), generation('lo-g2', { running: 2, minReplicas: 1, maxReplicas: 50, weight: 250 })]);

    trimHeldToCaps([lo], 4, Infinity, new Map([['lo-g1', 6], ['lo-g2', 2]]));

    for (const g of lo.generations) assert.ok(g.running >= 1 && g.maxReplicas >= 1, `${g.name}: weight ${g.weight}, running ${g.running}, maxReplicas ${g.maxReplicas}`);
  });

  it('GIVEN three workloads of one priority, one with a standby pool WHEN a cap binds THEN the pool goes before any running VM, and running VMs are taken from each in turn (one was cut to a single VM while another kept its pool)', () => {
    const api = workloadPlan('api', [generation('api-g1', { running: 17, minReplicas: 17, maxReplicas: 40 })]);
    const batch = workloadPlan('batch', [generation('batch-g1', { running: 17, minReplicas: 17, maxReplicas: 40 })]);
    const web = workloadPlan('web', [generation('web-g1', { running: 17, minReplicas: 17, maxReplicas: 40 }), generation('web-g2', { running: 0, suspended: 17, minReplicas: 0, maxReplicas: 40, weight: 0 })]);
    const runningNow = new Map([['api-g1', 17], ['batch-g1', 17], ['web-g1', 17]]);

    const given = trimHeldToCaps([api, batch, web], 40, Infinity, runningNow, undefined, () => 10);

    // 68 held, 28 over: the 17 suspended first, then 11 running VMs from the three in turn.
    assert.equal(web.generations[1]!.suspended, 0);
    assert.deepEqual(given.get('web')!.pools, [{ generation: 'web-g2', field: 'suspended', vms: 17 }], 'the pool taken is named');
    const running = [api, batch, web].map((w) => w.generations[0]!.running);
    assert.equal(running.reduce((a, b) => a + b, 0), 40);
    assert.ok(Math.max(...running) - Math.min(...running) <= 1, `running ${running}`);
    assert.equal([...given.values()].reduce((n, g) => n + g.vms, 0), 28);
  });

  it('GIVEN two workloads of one priority, one with two serving generations WHEN a cap binds THEN each workload gives a VM in turn (not each generation), 6 and 6', () => {
    const api = workloadPlan('api', [generation('api-g1', { running: 18, minReplicas: 18, maxReplicas: 40 })]);
    const web = workloadPlan('web', [generation('web-g1', { running: 9, minReplicas: 9, maxReplicas: 40, weight: 500 }), generation('web-g2', { running: 9, minReplicas: 9, maxReplicas: 40, weight: 500 })]);

    const given = trimHeldToCaps([api, web], 24, Infinity, new Map([['api-g1', 18], ['web-g1', 9], ['web-g2', 9]]), undefined, () => 10);

    assert.deepEqual([...given].map(([w, g]) => [w, g.vms]), [['api', 6], ['web', 6]]);
  });

  it('GIVEN one workload whose primary carries 900 of its traffic and a generation 100 WHEN trimmed alone THEN the least valuable generation gives first, down to its one VM, as before tiers', () => {
    const w = workloadPlan('w', [generation('w-g1', { running: 6, minReplicas: 6, maxReplicas: 40, weight: 900 }), generation('w-g2', { running: 6, minReplicas: 6, maxReplicas: 40, weight: 100 })]);

    trimHeldToCaps([w], 4, Infinity, new Map([['w-g1', 6], ['w-g2', 6]]));

    assert.deepEqual(w.generations.map((g) => [g.name, g.running]), [['w-g1', 3], ['w-g2', 1]]);
  });

  it('GIVEN the same plans WHEN trimmed on floors alone (trimToCaps, the workload guardrail) THEN autoscaler caps are left to capAutoscalers', () => {
    const lo = workloadPlan('lo', [generation('lo-g1', { running: 20, minReplicas: 20, maxReplicas: 50 })]);

    const given = trimToCaps([lo], 15, Infinity);

    assert.deepEqual([...given], [['lo', 5]]);
    assert.equal(lo.generations[0]!.running, 15);
    assert.equal(lo.generations[0]!.maxReplicas, 50);
  });
});
