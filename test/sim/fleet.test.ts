import assert from 'node:assert/strict';
import { DEFAULT_FLEET_MODEL, SimFleet, oracleStepCost, type MigSettings } from '../../automation/sim/fleet';
import { scheduleWindow, schedulesFromFloors } from '../../automation/planner/schedules';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 5, 0, 0);

function mig(over: Partial<MigSettings> = {}): MigSettings {
  return { name: 'g1', autoscale: false, targetUtilization: 0.6, minReplicas: 0, maxReplicas: 1000, schedules: [], suspended: 0, stopped: 0, weight: 1000, ...over };
}

/** Runs `steps` one-minute steps with constant demand; returns the outcomes. */
function run(fleet: SimFleet, steps: number, demand: number, from = 0) {
  const out = [];
  for (let i = 0; i < steps; i++) out.push(fleet.step(T + (from + i) * fleet.stepMs, demand, demand));
  return out;
}

describe('SimFleet: latencies and prices (DESIGN.md fleet model)', () => {
  it('GIVEN 5 new VMs asked at t=0 WHEN stepping by 1 minute THEN they serve from minute 4 and are billed at the running price from minute 0', () => {
    const fleet = new SimFleet(10, MIN);
    fleet.configure([mig({ minReplicas: 5 })]);
    const out = run(fleet, 6, 50);
    assert.deepEqual(out.map((o) => o.ready), [0, 0, 0, 0, 5, 5]);
    assert.deepEqual(out.map((o) => o.served), [0, 0, 0, 0, 50, 50]);
    assert.deepEqual(out.map((o) => o.cost), [5, 5, 5, 5, 5, 5]);
  });

  it('GIVEN a suspended and a stopped pool WHEN the group scales out THEN suspended VMs resume in 1 minute, stopped ones start in 2, the rest boot in 4', () => {
    const fleet = new SimFleet(10, MIN);
    fleet.configure([mig({ suspended: 2, stopped: 2 })]);
    run(fleet, 5, 0); // the pool boots (4 min) and is pooled
    const pooled = fleet.step(T + 5 * MIN, 0, 0);
    assert.equal(pooled.cost, 2 * 0.08 + 2 * 0.04);
    fleet.configure([mig({ minReplicas: 6, suspended: 0, stopped: 0 })]);
    const out = run(fleet, 5, 60, 6);
    assert.deepEqual(out.map((o) => o.ready), [0, 2, 4, 4, 6]);
  });

  it('GIVEN a pool target WHEN the pool is consumed by a scale-out THEN it is refilled with new VMs that cost a boot first', () => {
    const fleet = new SimFleet(10, MIN);
    fleet.configure([mig({ suspended: 3 })]);
    run(fleet, 5, 0);
    fleet.configure([mig({ suspended: 3, minReplicas: 3 })]);
    const first = fleet.step(T + 5 * MIN, 30, 30);
    // 3 resumed VMs running + 3 new VMs booting into the pool, all at the running price.
    assert.equal(first.cost, 6);
    const later = run(fleet, 5, 30, 6).at(-1)!;
    assert.equal(later.cost, 3 + 3 * 0.08);
  });

  it('GIVEN 5-minute steps WHEN a VM resumes (1 min) or boots (4 min) THEN it serves 80 % or 20 % of its first step', () => {
    const fleet = new SimFleet(10, 5 * MIN);
    fleet.configure([mig({ suspended: 1 })]);
    fleet.step(T, 0, 0);
    fleet.step(T + 5 * MIN, 0, 0);
    fleet.configure([mig({ minReplicas: 2 })]);
    const o = fleet.step(T + 10 * MIN, 100, 0);
    assert.ok(Math.abs(o.ready - (0.8 + 0.2)) < 1e-9, `ready ${o.ready}`);
  });

  it('GIVEN the autoscaler at 0.6 WHEN demand drops THEN it keeps the largest recommendation of the last 10 minutes', () => {
    const fleet = new SimFleet(10, MIN);
    fleet.configure([mig({ autoscale: true, minReplicas: 1 })]);
    const asked: number[] = [];
    for (let i = 0; i < 14; i++) asked.push(fleet.step(T + i * MIN, i < 3 ? 60 : 6, i === 0 ? undefined : i <= 3 ? 60 : 6).running);
    // 60 / (10 x 0.6) = 10 VMs while the high recommendation is within the window, then 1.
    assert.equal(asked[1], 10);
    assert.equal(asked[12], 10);
    assert.equal(asked[13], 1);
  });

  it('GIVEN two generations at weights 800/200 WHEN one lacks capacity THEN it cannot spill onto the other', () => {
    const fleet = new SimFleet(10, MIN);
    fleet.configure([mig({ name: 'a', minReplicas: 10, weight: 800 }), mig({ name: 'b', minReplicas: 1, weight: 200 })]);
    const o = run(fleet, 5, 100).at(-1)!;
    assert.equal(o.served, 80 + 10);
    assert.deepEqual(o.weights, { a: 800, b: 200 });
  });

  it('GIVEN scaling schedules written from floors WHEN the sim reads them back THEN the floor follows the windows', () => {
    const times = Array.from({ length: 20 }, (_, i) => T + i * MIN);
    const floors = times.map((_, i) => (i < 10 ? 2 : 7));
    const schedules = schedulesFromFloors('g1', times, floors, MIN);
    const fleet = new SimFleet(10, MIN);
    fleet.configure([mig({ schedules: schedules.map((s) => scheduleWindow(s, T)) })]);
    const asked = run(fleet, 20, 0).map((o) => o.running);
    assert.equal(asked[0], 2);
    assert.equal(asked[12], 7);
  });

  it('GIVEN demand 25 and capacity 10 WHEN pricing the oracle THEN it pays 3 running VMs per minute, nothing for a gap', () => {
    assert.equal(oracleStepCost(25, 10, MIN), 3);
    assert.equal(oracleStepCost(25, 10, 5 * MIN, DEFAULT_FLEET_MODEL), 15);
    assert.equal(oracleStepCost(Number.NaN, 10, MIN), 0);
  });
});
