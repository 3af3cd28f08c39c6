/**
 * The real Automation API against a file:// backend, where a `pulumi` CLI is on PATH. The
 * program is a tiny ComponentResource-only stand-in for the fleet program (no provider plugin,
 * no cloud), so this checks the adapter's plumbing: stack creation, preview events, up,
 * outputs read back, and refresh after a marked failure.
 * Without the CLI the suite is skipped and shows as pending, never as passing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetPlan, FleetState } from '../../automation/fleet-plan';
import { FileRecoveryMarkers, PulumiDeployer, localWorkspaceDriver, type StackOutputs } from '../../automation/adapters/pulumi-deployer';
import { CollectingSink, NOW, fixedClock, generation, workloadPlan } from '../automation/helpers';

function pulumiOnPath(): boolean {
  try {
    execFileSync('pulumi', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** One component per generation; the fleet output echoes the plan's sizes as the real program's outputs would. */
function tinyProgram(plan: FleetPlan) {
  return async () => {
    // Loaded here, not at the top: only this suite, and only with a CLI present, loads Pulumi.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
    for (const w of plan.workloads) for (const g of w.generations) new pulumi.ComponentResource('shadowscale:test:Generation', g.name, {}, {});
    return { fleet: plan.workloads.map((w) => ({ workload: w.workload, generations: w.generations.map((g) => ({ name: g.name, role: g.role, state: g.state, placementId: g.placement.id, running: g.running, suspended: g.suspended, stopped: g.stopped, weight: g.weight, since: g.since })) })) };
  };
}

const stateFromTinyOutputs = (outputs: StackOutputs, observedAt: string): FleetState => ({
  observedAt,
  workloads: (outputs.fleet.value as { workload: string; generations: FleetState['workloads'][number]['generations'] }[]).map((w) => ({ workload: w.workload, generations: w.generations.map((g) => ({ ...g, healthy: true })) })),
});

describe('PulumiDeployer against a real pulumi CLI (file:// backend)', function () {
  this.timeout(180_000);
  let dir: string;
  let deployer: PulumiDeployer;
  let markers: FileRecoveryMarkers;

  before(async function () {
    if (!pulumiOnPath()) {
      // Pending, not passing: nothing was checked.
      process.stderr.write('      pulumi CLI not on PATH: integration test not run\n');
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'shadowscale-pulumi-it-'));
    markers = new FileRecoveryMarkers(join(dir, 'recovery'));
    deployer = new PulumiDeployer({
      deployer: { stackPrefix: 'it', concurrency: 1, retries: 1 },
      workloads: ['web'],
      driver: localWorkspaceDriver({ program: tinyProgram, backendUrl: `file://${join(dir, 'state')}`, secretsProvider: 'passphrase', workDir: join(dir, 'work'), envVars: { PULUMI_CONFIG_PASSPHRASE: 'test' }, pulumiHome: join(dir, 'home') }),
      fleetStateFromOutputs: stateFromTinyOutputs,
      clock: fixedClock(),
      sink: new CollectingSink(),
      recovery: markers,
      lockPolicy: { hostname: 'it', isPidAlive: () => true },
      backoff: { minTimeoutMs: 100, maxTimeoutMs: 500 },
    });
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const plan = (running: number): FleetPlan => ({ version: 1, createdAt: NOW.toISOString(), workloads: [workloadPlan('web', [generation('web-g1', { running, minReplicas: running })])] });

  it('GIVEN no stack yet WHEN reading state THEN the workload has no generations', async () => {
    assert.deepEqual((await deployer.state()).workloads, [{ workload: 'web', generations: [] }]);
  });

  it('GIVEN a tiny plan WHEN previewed THEN the generation shows as a create from engine events', async () => {
    const preview = await deployer.preview(plan(2));
    assert.deepEqual(preview.changes.map((c) => [c.resource, c.op]), [['web-g1', 'create']]);
  });

  it('GIVEN the plan WHEN applied THEN the state read back from outputs has its sizes', async () => {
    await deployer.apply(plan(2));
    const state = await deployer.state();
    assert.equal(state.workloads[0].generations[0].running, 2);
  });

  it('GIVEN a marker from an interrupted update WHEN applying again THEN it refreshes first and clears the marker', async () => {
    await markers.mark('it-web', 'test: interrupted', NOW);
    await deployer.apply(plan(3));
    assert.equal(await markers.pending('it-web'), undefined);
    assert.equal((await deployer.state()).workloads[0].generations[0].running, 3);
  });
});
