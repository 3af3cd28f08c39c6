import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimDeployer } from '../../automation/sim/deployer';
import { planFleet } from '../../automation/plan';
import { ShadowscaleError } from '../../automation/errors';
import type { Clock } from '../../automation/ports';
import type { FleetPlan } from '../../automation/fleet-plan';
import { T0, STEP, config, forecastOf, iso, workload } from '../planner/fixtures';

/** A clock the test moves by hand. */
function manualClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  return { now: () => new Date(now), advance: (ms) => { now += ms; } };
}

/** Two workloads, each planned from an empty fleet, split into one-workload plans as runOnce applies them. */
function twoWorkloads(clock: Clock) {
  const cfg = config([workload({ name: 'api' }), workload({ name: 'web' })]);
  const sim = new SimDeployer({ config: cfg, clock, demand: () => 100 });
  const empty = { observedAt: iso(T0), workloads: [] };
  const { plan } = planFleet({ now: iso(T0), config: cfg, forecasts: { api: forecastOf(() => 100), web: forecastOf(() => 100) }, state: empty });
  const only = (name: string): FleetPlan => ({ ...plan, workloads: plan.workloads.filter((w) => w.workload === name) });
  assert.deepEqual(plan.workloads.map((w) => w.workload).sort(), ['api', 'web']);
  return { sim, plan, api: only('api'), web: only('web') };
}

/** Per workload, its generations' names and weights as the deployer reports them. */
async function fleetsOf(sim: SimDeployer): Promise<Record<string, [string, number][]>> {
  const st = await sim.state();
  return Object.fromEntries(st.workloads.map((w) => [w.workload, w.generations.map((g) => [g.name, g.weight] as [string, number])]));
}

describe('SimDeployer: the fleet kept between processes', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'sim-state-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('GIVEN two shards applying one workload each with a state file WHEN a later process opens it THEN both fleets are there, settled, and re-applying the same plans changes nothing', async () => {
    const file = join(dir, 'sim-fleet.json');
    const clock = manualClock(T0);
    const cfg = config([workload({ name: 'api' }), workload({ name: 'web' })]);
    const { api, web } = twoWorkloads(clock);
    // Each shard its own process: its own deployer over the same file.
    await new SimDeployer({ config: cfg, clock, stateFile: file }).apply(api);
    await new SimDeployer({ config: cfg, clock, stateFile: file }).apply(web);

    clock.advance(15 * STEP);
    const later = new SimDeployer({ config: cfg, clock, stateFile: file });
    const state = await later.state();
    assert.deepEqual(state.workloads.map((w) => w.workload), ['api', 'web']);
    for (const w of state.workloads) {
      const planned = [...api.workloads, ...web.workloads].find((p) => p.workload === w.workload)!;
      assert.deepEqual(w.generations.map((g) => [g.name, g.weight]), planned.generations.map((g) => [g.name, g.weight]));
      assert.ok(w.generations.every((g) => g.running >= planned.generations.find((p) => p.name === g.name)!.minReplicas), 'settled at least at the floors');
    }
    const again = await later.preview(api);
    assert.ok(again.changes.every((c) => c.op === 'same'), JSON.stringify(again.changes));
  });

  it('GIVEN a state file that is not the simulator\'s WHEN a deployer opens it THEN a config error names the file and the way out', () => {
    const file = join(dir, 'sim-fleet.json');
    writeFileSync(file, '{"stacks": []}');
    assert.throws(() => new SimDeployer({ config: config([workload({ name: 'api' })]), clock: manualClock(T0), stateFile: file }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'config' && e.message.includes(file) && /delete the file to start the simulation afresh/.test(e.message));
  });
});

describe('SimDeployer', () => {
  it('GIVEN two workloads WHEN each one-workload plan is applied in turn THEN the state keeps both fleets with their planned weights', async () => {
    const clock = manualClock(T0);
    const { sim, api, web } = twoWorkloads(clock);
    await sim.apply(api);
    clock.advance(STEP);
    await sim.apply(web);
    clock.advance(5 * STEP);
    assert.deepEqual(await fleetsOf(sim), { api: [['api-g1', 1000]], web: [['web-g1', 1000]] });
    const st = await sim.state();
    for (const w of st.workloads) assert.ok(w.generations[0].running >= 11, `${w.workload} running ${w.generations[0].running}`);
    // The last plan of the workload applied first still labels its generations.
    assert.equal(st.workloads.find((w) => w.workload === 'api')!.generations[0].plannedRunning, api.workloads[0].generations[0].running);
  });

  it('GIVEN two workloads WHEN their one-workload plans are applied concurrently THEN neither apply loses the other one\'s fleet', async () => {
    const clock = manualClock(T0);
    const { sim, api, web } = twoWorkloads(clock);
    await Promise.all([sim.apply(api), sim.apply(web)]);
    assert.deepEqual(await fleetsOf(sim), { api: [['api-g1', 1000]], web: [['web-g1', 1000]] });
    // Applying the same plans again changes nothing, for either workload.
    const again = await Promise.all([sim.apply(api), sim.apply(web)]);
    assert.deepEqual(again.flatMap((r) => r.changes.map((c) => `${c.workload}:${c.resource}:${c.op}`)).sort(), ['api:api-g1:same', 'api:api-url-map:same', 'web:web-g1:same', 'web:web-url-map:same']);
  });

  it('GIVEN two applied workloads WHEN a plan holding only one is previewed or applied THEN only that workload shows changes and the other keeps its fleet', async () => {
    const clock = manualClock(T0);
    const { sim, plan, web } = twoWorkloads(clock);
    await sim.apply(plan);
    const preview = await sim.preview(web);
    assert.deepEqual(preview.changes.map((c) => `${c.workload}:${c.resource}:${c.op}`), ['web:web-g1:same', 'web:web-url-map:same']);
    const applied = await sim.apply(web);
    assert.deepEqual(applied.changes.filter((c) => c.workload !== 'web'), []);
    assert.deepEqual(applied.state.workloads.map((w) => w.workload), ['web']);
    assert.deepEqual(await fleetsOf(sim), { api: [['api-g1', 1000]], web: [['web-g1', 1000]] });
  });

  it('GIVEN a plan naming a workload not in the configuration WHEN applied THEN it is refused and no fleet changes', async () => {
    const clock = manualClock(T0);
    const { sim, api } = twoWorkloads(clock);
    const stranger = { ...api.workloads[0], workload: 'ghost' };
    await assert.rejects(sim.apply({ ...api, workloads: [...api.workloads, stranger] }), (e: unknown) => e instanceof ShadowscaleError && e.kind === 'unsafe');
    assert.deepEqual(await fleetsOf(sim), {});
  });

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
