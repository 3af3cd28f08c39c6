/**
 * Reading the fleet state back from stack outputs: the round trip through the program's own
 * outputs, the Automation API's {value, secret} wrapping, and malformed outputs.
 */
import assert from 'node:assert/strict';
import { recordProgram } from '../../automation/adapters/offline-preview';
import { fleetProgram } from '../../stacks/program';
import { fleetStateFromOutputs } from '../../stacks/outputs';
import { ShadowscaleError } from '../../automation/errors';
import * as plans from './plans';

const AT = '2025-11-24T12:05:00Z';

describe('stack outputs -> FleetState', () => {
  describe('GIVEN the outputs the program exports for a primary and a standby shadow', () => {
    let outputs: Record<string, unknown>;
    before(async () => { outputs = (await recordProgram(fleetProgram(plans.withStandbyShadow(4)))).outputs; });

    it('WHEN read back THEN every generation comes back with role, state, placement, pools, weight, since and template version', () => {
      const state = fleetStateFromOutputs(outputs, AT);
      assert.equal(state.observedAt, AT);
      assert.deepEqual(state.workloads.map((w) => w.workload), ['web']);
      assert.deepEqual(state.workloads[0].generations, [
        { name: 'web-g1', role: 'primary', state: 'active', placementId: 'us-central1-a/n2-standard-4', running: 3, plannedRunning: 3, suspended: 0, stopped: 0, weight: 1000, healthy: false, since: '2025-11-20T10:00:00Z', templateVersion: 'v1', migSelfLink: 'https://mock.invalid/compute/v1/projects/acme-prod/zones/us-central1-a/instanceGroupManagers/web-g1' },
        { name: 'web-g2', role: 'shadow', state: 'standby', placementId: 'us-central1-b/n2-standard-4', running: 0, plannedRunning: 0, suspended: 4, stopped: 2, weight: 0, healthy: false, since: '2025-11-20T10:00:00Z', templateVersion: 'v1', migSelfLink: 'https://mock.invalid/compute/v1/projects/acme-prod/zones/us-central1-b/instanceGroupManagers/web-g2' },
      ]);
    });

    it('WHEN the Automation API wraps each output as {value, secret?} THEN the same state is read', () => {
      const wrapped = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, secret: false }]));
      assert.deepEqual(fleetStateFromOutputs(wrapped, AT), fleetStateFromOutputs(outputs, AT));
      const valueOnly = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }]));
      assert.deepEqual(fleetStateFromOutputs(valueOnly, AT), fleetStateFromOutputs(outputs, AT));
    });
  });

  describe('GIVEN outputs after a refresh, carrying the MIG size and stability', () => {
    it('THEN running is the observed size and healthy follows isStable', () => {
      const outputs = { fleet: { version: 1, planCreatedAt: 'x', workloads: [{ workload: 'api', urlMap: 'api-urlmap', generations: [
        { name: 'api-g1', role: 'primary', state: 'active', placementId: 'p', running: 2, suspended: 0, stopped: 0, weight: 1000, since: 's', observedRunning: 7, stable: true },
      ] }] } };
      const g = fleetStateFromOutputs(outputs, AT).workloads[0].generations[0];
      assert.equal(g.running, 7);
      assert.equal(g.plannedRunning, 2, 'the floor the plan set is kept apart from what runs');
      assert.equal(g.healthy, true);
    });
  });

  describe('GIVEN malformed outputs', () => {
    const good = () => ({ version: 1, workloads: [{ workload: 'api', generations: [
      { name: 'api-g1', role: 'primary', state: 'active', placementId: 'p', running: 2, suspended: 0, stopped: 0, weight: 1000, since: 's' },
    ] }] });
    const fails = (outputs: Record<string, unknown>, message: RegExp) => assert.throws(
      () => fleetStateFromOutputs(outputs, AT),
      (err: unknown) => err instanceof ShadowscaleError && err.kind === 'input' && message.test(err.message),
    );

    it('THEN a stack without the fleet output says which key is missing', () => fails({ other: 1 }, /outputs\.fleet: stack has no "fleet" output/));
    it('THEN a weight out of range names its key', () => {
      const f = good(); (f.workloads[0].generations[0] as { weight: number }).weight = 1001;
      fails({ fleet: f }, /outputs\.fleet\.workloads\[0\]\.generations\[0\]\.weight: must be <= 1000/);
    });
    it('THEN a missing field names the key it expected', () => {
      const f = good(); delete (f.workloads[0].generations[0] as Partial<{ since: string }>).since;
      fails({ fleet: f }, /outputs\.fleet\.workloads\[0\]\.generations\[0\]\.since: is required/);
    });
    it('THEN an unknown role names the key and the allowed values', () => {
      const f = good(); (f.workloads[0].generations[0] as { role: string }).role = 'leader';
      fails({ fleet: { value: f, secret: false } }, /generations\[0\]\.role: must be one of \["primary","shadow"\]/);
    });
  });
});
