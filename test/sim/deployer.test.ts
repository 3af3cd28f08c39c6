import assert from 'node:assert/strict';
import { SimDeployer } from '../../automation/sim/deployer';
import { planFleet } from '../../automation/plan';
import { ShadowscaleError } from '../../automation/errors';
import type { Clock } from '../../automation/ports';
import { T0, STEP, config, forecastOf, iso } from '../planner/fixtures';

/** A clock the test moves by hand. */
function manualClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  return { now: () => new Date(now), advance: (ms) => { now += ms; } };
}

describe('SimDeployer', () => {
  it('GIVEN an empty simulated fleet WHEN a plan is applied and time passes THEN state reports the generation with its VMs ready after boot', async () => {
    const clock = manualClock(T0);
    const cfg = config();
    const sim = new SimDeployer({ config: cfg, clock, demand: () => 100 });
    const empty = await sim.state();
    assert.deepEqual(empty.workloads, []);
    const { plan } = planFleet({ now: iso(T0), config: cfg, forecasts: { web: forecastOf(() => 100) }, state: empty });
    const preview = await sim.preview(plan);
    assert.ok(preview.changes.some((c) => c.resource === 'web-g1' && c.op === 'create'));
    const applied = await sim.apply(plan);
    assert.equal(applied.state.workloads[0].generations[0].running, 0);
    clock.advance(5 * STEP);
    const later = await sim.state();
    const g = later.workloads[0].generations[0];
    assert.equal(g.name, 'web-g1');
    assert.equal(g.weight, 1000);
    assert.ok(g.running >= 11, `running ${g.running}`);
    assert.equal((await sim.preview(plan)).changes.find((c) => c.resource === 'web-g1')!.op, 'same');
  });

  it('GIVEN a generation marked unhealthy WHEN the planner runs on the reported state THEN it fails over', async () => {
    const clock = manualClock(T0);
    const cfg = config();
    const sim = new SimDeployer({ config: cfg, clock });
    const first = planFleet({ now: iso(T0), config: cfg, forecasts: { web: forecastOf(() => 100) }, state: await sim.state() });
    first.plan.workloads[0].generations.push({ ...first.plan.workloads[0].generations[0], name: 'web-g2', role: 'shadow', state: 'standby', weight: 0, running: 0, suspended: 11 });
    await sim.apply(first.plan);
    clock.advance(10 * STEP);
    sim.setHealthy('web', 'web-g1', false);
    const st = await sim.state();
    const r = planFleet({ now: iso(T0 + 10 * STEP), config: cfg, forecasts: { web: forecastOf(() => 100, { originMs: T0 + 11 * STEP }) }, state: st, previous: first.plan });
    assert.ok(r.decisions.some((d) => d.code === 'failover'));
    assert.equal(r.plan.workloads[0].generations.find((g) => g.name === 'web-g2')!.weight, 1000);
  });

  it('GIVEN an aborted signal WHEN applying THEN it throws a cancelled error', async () => {
    const sim = new SimDeployer({ config: config(), clock: manualClock(T0) });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(sim.apply({ version: 1, createdAt: iso(T0), workloads: [] }, { signal: ac.signal }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'cancelled');
  });
});
