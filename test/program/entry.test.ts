/**
 * The CLI entry's config handling (stacks/entry.ts): the plan from stack config
 * `shadowscale:plan`, and errors that say where and what was expected.
 */
import assert from 'node:assert/strict';
import * as pulumi from '@pulumi/pulumi';
import { recordProgram } from '../../automation/adapters/offline-preview';
import { programFromConfig, programOptionsFromConfig } from '../../stacks/entry';
import { ShadowscaleError } from '../../automation/errors';
import * as plans from './plans';
import { T, input, resource } from './recorded';

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const inputErrorMatching = (re: RegExp) => (err: unknown) => err instanceof ShadowscaleError && err.kind === 'input' && re.test(err.message);

describe('stack entry: plan from stack config', () => {
  it('GIVEN a valid plan and options in config WHEN the program runs THEN it deploys that plan with those options', async () => {
    const rec = await recordProgram(programFromConfig(config({ plan: JSON.stringify(plans.withStandbyShadow(5)), vmWarmupSec: '300', frontend: 'false' })));
    const mig = resource(rec, T.zonalMig, 'web-g2-mig');
    assert.equal(input(mig, 'targetSuspendedSize'), 5);
    assert.equal(input(mig, 'standbyPolicy.initialDelaySec'), 300);
    assert.equal(rec.resources.filter((r) => r.type === T.proxy || r.type === T.forwardingRule).length, 0);
  });

  it('GIVEN the plan in the stack config store WHEN the CLI entry module (Pulumi.yaml main) loads THEN it exports that plan\'s program', async () => {
    pulumi.runtime.setAllConfig({ 'shadowscale:plan': JSON.stringify(plans.regionalShadow()) });
    const entry: unknown = require('../../stacks/index');
    assert.equal(typeof entry, 'function');
    const rec = await recordProgram(entry as () => Promise<Record<string, unknown>>);
    assert.equal(input(resource(rec, T.regionalMig, 'web-g3-mig'), 'targetSuspendedSize'), 3);
  });

  it('GIVEN no plan WHEN building THEN the error names shadowscale:plan', () => {
    assert.throws(() => programFromConfig(config({})), inputErrorMatching(/shadowscale:plan: stack config has no plan/));
  });

  it('GIVEN plan text that is not JSON WHEN building THEN the error names the config key', () => {
    assert.throws(() => programFromConfig(config({ plan: '{"version":1,' })), inputErrorMatching(/^stack config shadowscale:plan: expected a FleetPlan as JSON/));
  });

  it('GIVEN a plan missing a field WHEN building THEN the error names the field path', () => {
    const plan = plans.primaryOnly() as unknown as { workloads: { generations: Record<string, unknown>[] }[] };
    delete plan.workloads[0].generations[0].placement;
    assert.throws(() => programFromConfig(config({ plan: JSON.stringify(plan) })), inputErrorMatching(/plan\.workloads\[0\]\.generations\[0\]\.placement: is required/));
  });

  it('GIVEN a non-boolean frontend or a non-integer warm-up WHEN reading options THEN the key is named', () => {
    assert.throws(() => programOptionsFromConfig(config({ frontend: 'yes' })), inputErrorMatching(/shadowscale:frontend: expected true or false/));
    assert.throws(() => programOptionsFromConfig(config({ vmWarmupSec: '2m' })), inputErrorMatching(/shadowscale:vmWarmupSec/));
  });
});
