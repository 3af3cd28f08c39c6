/**
 * The fleet stack program under Pulumi's mock monitor: what it declares for representative
 * plans. Every run sets its own mocks (recordProgram), so other files calling setMocks in the
 * same mocha process cannot leak into these.
 */
import assert from 'node:assert/strict';
import { recordProgram, type RecordedRun } from '../../automation/adapters/offline-preview';
import { fleetProgram } from '../../stacks/program';
import { ShadowscaleError } from '../../automation/errors';
import type { FleetPlan } from '../../automation/fleet-plan';
import * as plans from './plans';
import { T, input, mockId, ofType, resource } from './recorded';

const run = (plan: FleetPlan): Promise<RecordedRun> => recordProgram(fleetProgram(plan));

describe('fleet stack program (Pulumi mocks)', () => {
  describe('GIVEN a plan with only a primary generation', () => {
    let rec: RecordedRun;
    before(async () => { rec = await run(plans.primaryOnly()); });

    it('THEN it declares every resource kind, each once, under one Workload component', () => {
      const counts = Object.fromEntries(Object.values(T).map((t) => [t, ofType(rec, t).length]));
      assert.deepEqual(counts, {
        [T.stack]: 1, [T.workload]: 1, [T.healthCheck]: 1, [T.template]: 1, [T.zonalMig]: 1, [T.regionalMig]: 0,
        [T.zonalAutoscaler]: 1, [T.regionalAutoscaler]: 0, [T.backend]: 1, [T.urlMap]: 1, [T.proxy]: 1, [T.forwardingRule]: 1,
      });
      const component = resource(rec, T.workload, 'web');
      assert.equal(component.parent, resource(rec, T.stack, 'shadowscale-offline').urn);
      for (const r of rec.resources.filter((x) => x.custom)) assert.equal(r.parent, component.urn, `${r.name} must be a child of the workload`);
    });

    it('THEN the instance template carries machine type, image and startup script, under a content-hashed name', () => {
      const tpl = resource(rec, T.template, 'web-g1-template');
      assert.equal(input(tpl, 'machineType'), 'n2-standard-4');
      assert.equal(input(tpl, 'disks.0.sourceImage'), 'projects/debian-cloud/global/images/family/debian-12');
      assert.equal(input(tpl, 'metadata.startup-script'), '#!/bin/sh\nsystemctl start app');
      assert.match(String(input(tpl, 'name')), /^web-g1-[0-9a-f]{8}$/);
    });

    it('THEN the zonal MIG has zone, named port, auto-healing, a standby policy, and no targetSize (ignored: the autoscaler owns it)', () => {
      const mig = resource(rec, T.zonalMig, 'web-g1-mig');
      assert.equal(input(mig, 'zone'), 'us-central1-a');
      assert.equal(input(mig, 'name'), 'web-g1');
      assert.equal(input(mig, 'targetSize'), undefined);
      assert.deepEqual(mig.ignoreChanges, ['targetSize']);
      assert.deepEqual(input(mig, 'namedPorts'), [{ name: 'http', port: 8080 }]);
      assert.deepEqual(input(mig, 'autoHealingPolicies'), { healthCheck: mockId(resource(rec, T.healthCheck, 'web-health')), initialDelaySec: 120 });
      assert.deepEqual(input(mig, 'standbyPolicy'), { mode: 'SCALE_OUT_POOL', initialDelaySec: 120 });
      assert.equal(input(mig, 'targetSuspendedSize'), 0);
      assert.equal(input(mig, 'targetStoppedSize'), 0);
      assert.ok(mig.dependencies.includes(resource(rec, T.template, 'web-g1-template').urn), 'MIG depends on its template');
    });

    it('THEN the autoscaler targets the MIG and holds the floor as minReplicas = max(minReplicas, running)', () => {
      const as = resource(rec, T.zonalAutoscaler, 'web-g1-autoscaler');
      assert.equal(input(as, 'zone'), 'us-central1-a');
      assert.match(String(input(as, 'target')), /\/zones\/us-central1-a\/instanceGroupManagers\/web-g1$/);
      assert.ok(as.dependencies.includes(resource(rec, T.zonalMig, 'web-g1-mig').urn));
      assert.equal(input(as, 'autoscalingPolicy.minReplicas'), 3);
      assert.equal(input(as, 'autoscalingPolicy.maxReplicas'), 20);
      assert.deepEqual(input(as, 'autoscalingPolicy.cpuUtilization'), { target: 0.6 });
    });

    it('THEN one EXTERNAL_MANAGED backend service has the MIG as its backend, and the URL map sends it all traffic', () => {
      const bs = resource(rec, T.backend, 'web-g1-backend');
      assert.equal(input(bs, 'loadBalancingScheme'), 'EXTERNAL_MANAGED');
      assert.equal(input(bs, 'portName'), 'http');
      assert.match(String(input(bs, 'backends.0.group')), /web-g1\/instanceGroup$/);
      const um = resource(rec, T.urlMap, 'web-urlmap');
      assert.equal(input(um, 'defaultService'), undefined, 'defaultService must be unset with weighted backends');
      assert.deepEqual(input(um, 'defaultRouteAction.weightedBackendServices'), [{ backendService: mockId(bs), weight: 1000 }]);
      assert.equal(input(um, 'defaultRouteAction.requestMirrorPolicy'), undefined);
      assert.ok(um.dependencies.includes(bs.urn));
      assert.equal(input(resource(rec, T.forwardingRule, 'web-rule'), 'loadBalancingScheme'), 'EXTERNAL_MANAGED');
    });
  });

  describe('GIVEN a primary and a standby shadow (suspended pool, weight 0, a scheduled floor)', () => {
    let rec: RecordedRun;
    before(async () => { rec = await run(plans.withStandbyShadow(4)); });

    it('THEN the shadow MIG keeps 4 suspended and 2 stopped VMs in a SCALE_OUT_POOL standby pool', () => {
      const mig = resource(rec, T.zonalMig, 'web-g2-mig');
      assert.equal(input(mig, 'zone'), 'us-central1-b');
      assert.equal(input(mig, 'targetSuspendedSize'), 4);
      assert.equal(input(mig, 'targetStoppedSize'), 2);
      assert.equal(input(mig, 'standbyPolicy.mode'), 'SCALE_OUT_POOL');
      assert.equal(input(mig, 'targetSize'), undefined);
    });

    it('THEN the shadow is listed in the URL map at weight 0 and the weights sum to 1000', () => {
      const weighted = input(resource(rec, T.urlMap, 'web-urlmap'), 'defaultRouteAction.weightedBackendServices') as { backendService: string; weight: number }[];
      assert.deepEqual(weighted, [
        { backendService: 'web-g1-backend-id', weight: 1000 },
        { backendService: 'web-g2-backend-id', weight: 0 },
      ]);
      assert.equal(weighted.reduce((s, w) => s + w.weight, 0), 1000);
    });

    it('THEN the shadow autoscaler has floor 0 and carries the plan scaling schedule', () => {
      const as = resource(rec, T.zonalAutoscaler, 'web-g2-autoscaler');
      assert.equal(input(as, 'autoscalingPolicy.minReplicas'), 0);
      assert.deepEqual(input(as, 'autoscalingPolicy.scalingSchedules'), [
        { name: 'black-friday', minRequiredReplicas: 6, schedule: '30 13 28 11 *', durationSec: 7200, timeZone: 'America/New_York' },
      ]);
    });
  });

  describe('GIVEN a warming shadow with mirror: true', () => {
    it('THEN the URL map mirrors requests to the shadow backend and splits 980/20', async () => {
      const rec = await run(plans.warmingWithMirror());
      const um = resource(rec, T.urlMap, 'web-urlmap');
      assert.deepEqual(input(um, 'defaultRouteAction.requestMirrorPolicy'), { backendService: 'web-g2-backend-id' });
      assert.deepEqual((input(um, 'defaultRouteAction.weightedBackendServices') as { weight: number }[]).map((w) => w.weight), [980, 20]);
    });

    it('THEN a mirror flag on a generation that is not warming is not turned into a mirror policy', async () => {
      const plan = plans.withStandbyShadow();
      plan.workloads[0].generations[1].mirror = true;
      const rec = await run(plan);
      assert.equal(input(resource(rec, T.urlMap, 'web-urlmap'), 'defaultRouteAction.requestMirrorPolicy'), undefined);
    });
  });

  describe('GIVEN an active shadow promoted to primary and the old primary draining', () => {
    it('THEN all traffic goes to the new primary, the draining one keeps its MIG at floor 0, and no mirror remains', async () => {
      const rec = await run(plans.promoted());
      const um = resource(rec, T.urlMap, 'web-urlmap');
      assert.deepEqual(input(um, 'defaultRouteAction.weightedBackendServices'), [
        { backendService: 'web-g1-backend-id', weight: 0 },
        { backendService: 'web-g2-backend-id', weight: 1000 },
      ]);
      assert.equal(input(um, 'defaultRouteAction.requestMirrorPolicy'), undefined);
      assert.equal(input(resource(rec, T.zonalAutoscaler, 'web-g1-autoscaler'), 'autoscalingPolicy.minReplicas'), 0);
      assert.equal(input(resource(rec, T.zonalAutoscaler, 'web-g2-autoscaler'), 'autoscalingPolicy.minReplicas'), 3);
    });

    it('THEN a promotion keeps every URN and every MIG/template/backend input: the role is in no name, label or parent', async () => {
      const before = await run(plans.warmingWithMirror());
      const after = await run(plans.promoted());
      assert.deepEqual(after.resources.map((r) => r.urn).sort(), before.resources.map((r) => r.urn).sort());
      for (const [type, name] of [[T.zonalMig, 'web-g1-mig'], [T.zonalMig, 'web-g2-mig'], [T.template, 'web-g1-template'], [T.template, 'web-g2-template'], [T.backend, 'web-g1-backend']] as const) {
        const a = resource(before, type, name);
        const b = resource(after, type, name);
        assert.deepEqual(b.inputs, a.inputs, `${name} inputs must not change on promotion`);
        assert.equal(b.parent, a.parent);
      }
      const everyString = JSON.stringify(after.resources.filter((r) => r.custom).map((r) => [r.name, r.inputs]));
      assert.doesNotMatch(everyString, /primary|shadow(?!scale)/, 'roles must not appear in resource names or inputs');
    });
  });

  describe('GIVEN a regional shadow next to a zonal primary', () => {
    it('THEN the shadow is a RegionInstanceGroupManager with a RegionAutoscaler, and the primary stays zonal', async () => {
      const rec = await run(plans.regionalShadow());
      const rmig = resource(rec, T.regionalMig, 'web-g3-mig');
      assert.equal(input(rmig, 'region'), 'us-central1');
      assert.equal(input(rmig, 'zone'), undefined);
      assert.equal(input(rmig, 'targetSuspendedSize'), 3);
      assert.deepEqual(input(rmig, 'standbyPolicy'), { mode: 'SCALE_OUT_POOL', initialDelaySec: 120 });
      assert.deepEqual(rmig.ignoreChanges, ['targetSize']);
      const ras = resource(rec, T.regionalAutoscaler, 'web-g3-autoscaler');
      assert.equal(input(ras, 'region'), 'us-central1');
      assert.ok(ras.dependencies.includes(rmig.urn));
      assert.equal(input(ras, 'autoscalingPolicy.minReplicas'), 1);
      resource(rec, T.zonalMig, 'web-g1-mig');
      assert.equal(ofType(rec, T.regionalMig).length, 1);
    });
  });

  describe('GIVEN plans the program must refuse', () => {
    const refuses = (mutate: (p: FleetPlan) => void, field: RegExp) => () => {
      const plan = plans.warmingWithMirror();
      mutate(plan);
      assert.throws(() => fleetProgram(plan), (err: unknown) => err instanceof ShadowscaleError && err.kind === 'input' && field.test(err.message));
    };
    it('THEN weights that do not sum to 1000 name the workload weights', refuses((p) => { p.workloads[0].generations[0].weight = 900; }, /plan\.workloads\[0\]\.generations\[\*\]\.weight: weights must sum to 1000, got 920/));
    it('THEN a generation name GCE cannot use names the generation', refuses((p) => { p.workloads[0].generations[1].name = 'Web_G2'; }, /plan\.workloads\[0\]\.generations\[1\]\.name/));
    it('THEN two mirrored warming generations are refused', refuses((p) => {
      p.workloads[0].generations.push(plans.generation({ name: 'web-g9', role: 'shadow', state: 'warming', weight: 0, mirror: true }));
    }, /requestMirrorPolicy/));
    it('THEN a floor above maxReplicas names running', refuses((p) => { p.workloads[0].generations[0].running = 21; }, /generations\[0\]\.running: floor 21 must be <= maxReplicas 20/));
    it('THEN a zone outside the region names the placement', refuses((p) => { p.workloads[0].generations[1].placement.zone = 'europe-west1-b'; }, /generations\[1\]\.placement\.zone/));
    it('THEN a scaling schedule shorter than 300 s names the schedule', refuses((p) => {
      p.workloads[0].generations[0].scalingSchedules = [{ name: 's', minRequiredReplicas: 1, schedule: '0 9 * * *', durationSec: 60, timeZone: 'UTC' }];
    }, /scalingSchedules\[0\]\.durationSec/));
  });
});
