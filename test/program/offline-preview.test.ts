/**
 * The offline preview (no CLI, no credentials): the fleet program for the current and the next
 * plan under Pulumi mocks, diffed resource by resource.
 */
import assert from 'node:assert/strict';
import { offlinePreview, diffInputs } from '../../automation/adapters/offline-preview';
import { ShadowscaleError } from '../../automation/errors';
import type { PreviewResult } from '../../automation/ports';
import * as plans from './plans';
import { T } from './recorded';

type Change = PreviewResult['changes'][number];
const find = (p: PreviewResult, resource: string): Change => {
  const c = p.changes.find((x) => x.resource === resource);
  assert.ok(c, `no change listed for ${resource}: ${p.changes.map((x) => x.resource).join(', ')}`);
  return c;
};
const opsOf = (p: PreviewResult, op: Change['op']) => p.changes.filter((c) => c.op === op).map((c) => `${c.type}::${c.resource}`).sort();

describe('offline preview (Pulumi mocks)', () => {
  describe('GIVEN a primary-only fleet WHEN the next plan adds a standby shadow', () => {
    let preview: PreviewResult;
    before(async () => { preview = await offlinePreview(plans.primaryOnly(), plans.withStandbyShadow(4)); });

    it('THEN exactly the shadow template, MIG, autoscaler and backend service are created', () => {
      assert.deepEqual(opsOf(preview, 'create'), [
        `${T.zonalAutoscaler}::web-g2-autoscaler`,
        `${T.zonalMig}::web-g2-mig`,
        `${T.backend}::web-g2-backend`,
        `${T.template}::web-g2-template`,
      ].sort());
      assert.ok(preview.changes.every((c) => c.workload === 'web'));
    });

    it('THEN the URL map is updated to list the shadow at weight 0, and nothing is deleted or replaced', () => {
      const um = find(preview, 'web-urlmap');
      assert.equal(um.op, 'update');
      assert.match(um.detail ?? '', /defaultRouteAction\.weightedBackendServices\[1\]\.weight ∅→0/);
      assert.match(um.detail ?? '', /weightedBackendServices\[1\]\.backendService ∅→web-g2-backend-id/);
      assert.deepEqual(opsOf(preview, 'update'), [`${T.urlMap}::web-urlmap`]);
      assert.deepEqual(opsOf(preview, 'delete'), []);
      assert.deepEqual(opsOf(preview, 'replace'), []);
      assert.equal(find(preview, 'web-g1-mig').op, 'same');
      assert.match(preview.log ?? '', /4 to create, 1 to update, 0 to replace, 0 to delete/);
    });
  });

  describe('GIVEN a standby shadow WHEN the plan grows its suspended pool from 4 to 6', () => {
    it('THEN the shadow MIG is updated in place with targetSuspendedSize 4→6', async () => {
      const preview = await offlinePreview(plans.withStandbyShadow(4), plans.withStandbyShadow(6));
      const mig = find(preview, 'web-g2-mig');
      assert.equal(mig.op, 'update');
      assert.equal(mig.detail, 'targetSuspendedSize 4→6');
      assert.deepEqual(opsOf(preview, 'update'), [`${T.zonalMig}::web-g2-mig`]);
    });
  });

  describe('GIVEN a warming, mirrored shadow WHEN it is promoted and the old primary drains', () => {
    let preview: PreviewResult;
    before(async () => { preview = await offlinePreview(plans.warmingWithMirror(), plans.promoted()); });

    it('THEN no MIG, template or backend is created, replaced or deleted', () => {
      assert.deepEqual([...opsOf(preview, 'create'), ...opsOf(preview, 'replace'), ...opsOf(preview, 'delete')], []);
      for (const name of ['web-g1-mig', 'web-g2-mig', 'web-g1-template', 'web-g2-template', 'web-g1-backend', 'web-g2-backend']) {
        assert.equal(find(preview, name).op, 'same', name);
      }
    });

    it('THEN the URL map weights move 980/20 → 0/1000 and the mirror policy goes away', () => {
      const detail = find(preview, 'web-urlmap').detail ?? '';
      assert.match(detail, /weightedBackendServices\[0\]\.weight 980→0/);
      assert.match(detail, /weightedBackendServices\[1\]\.weight 20→1000/);
      assert.match(detail, /requestMirrorPolicy\.backendService web-g2-backend-id→∅/);
    });
  });

  describe('GIVEN a drained old primary WHEN it is retired (absent from the plan)', () => {
    it('THEN its template, MIG, autoscaler and backend are deleted and the URL map drops it', async () => {
      const retired = plans.promoted();
      retired.workloads[0].generations = retired.workloads[0].generations.filter((g) => g.name !== 'web-g1');
      const preview = await offlinePreview(plans.promoted(), retired);
      assert.deepEqual(opsOf(preview, 'delete'), [
        `${T.zonalAutoscaler}::web-g1-autoscaler`, `${T.zonalMig}::web-g1-mig`, `${T.backend}::web-g1-backend`, `${T.template}::web-g1-template`,
      ].sort());
      assert.equal(find(preview, 'web-urlmap').op, 'update');
      assert.equal(find(preview, 'web-g1-mig').workload, 'web');
    });
  });

  describe('GIVEN a new image within a generation', () => {
    it('THEN the template is replaced (templates are immutable) and the MIG is updated to the new template', async () => {
      const next = plans.primaryOnly();
      next.workloads[0].generations[0].instanceTemplate.image = 'projects/acme/global/images/app-v2';
      const preview = await offlinePreview(plans.primaryOnly(), next);
      assert.equal(find(preview, 'web-g1-template').op, 'replace');
      const mig = find(preview, 'web-g1-mig');
      assert.equal(mig.op, 'update');
      assert.match(mig.detail ?? '', /^versions\[0\]\.instanceTemplate /);
    });
  });

  describe('GIVEN a pull request that moves the VMs to another network (deployer.stack.network)', () => {
    it('THEN the same plan replaces the template under the new options and the MIG follows it', async () => {
      const preview = await offlinePreview(plans.primaryOnly(), plans.primaryOnly(), { currentProgram: {}, program: { network: 'projects/acme/global/networks/prod' } });
      const template = find(preview, 'web-g1-template');
      assert.equal(template.op, 'replace');
      assert.match(template.detail ?? '', /networkInterfaces\[0\]\.network default→projects\/acme\/global\/networks\/prod/);
      assert.equal(find(preview, 'web-g1-mig').op, 'update');
    });
  });

  describe('GIVEN nothing deployed yet', () => {
    it('THEN every resource is a create', async () => {
      const preview = await offlinePreview(undefined, plans.regionalShadow());
      assert.ok(preview.changes.length >= 12);
      assert.deepEqual([...new Set(preview.changes.map((c) => c.op))], ['create']);
      assert.ok(preview.changes.some((c) => c.type === T.regionalMig && c.resource === 'web-g3-mig'));
    });
  });

  describe('GIVEN two previews started at once', () => {
    it('THEN each sees only its own plans (runs are serialised over the process-global mocks)', async () => {
      const [a, b] = await Promise.all([
        offlinePreview(plans.primaryOnly(), plans.withStandbyShadow(4)),
        offlinePreview(plans.warmingWithMirror(), plans.promoted()),
      ]);
      assert.equal(opsOf(a, 'create').length, 4);
      assert.equal(opsOf(b, 'create').length, 0);
      assert.equal(find(b, 'web-urlmap').op, 'update');
    });
  });

  describe('GIVEN an invalid next plan', () => {
    it('THEN the preview rejects with the field, before running anything', async () => {
      const bad = plans.withStandbyShadow();
      bad.workloads[0].generations[1].weight = 5;
      await assert.rejects(offlinePreview(plans.primaryOnly(), bad), (err: unknown) => err instanceof ShadowscaleError && /weights must sum to 1000, got 1005/.test(err.message));
    });
  });

  describe('diffInputs', () => {
    it('GIVEN nested inputs WHEN one leaf changes and one is added THEN both paths are listed with before and after', () => {
      assert.deepEqual(diffInputs({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 2, 3] } }), [
        { path: 'a.b', before: 1, after: 2 },
        { path: 'a.c[2]', before: undefined, after: 3 },
      ]);
    });
  });
});
