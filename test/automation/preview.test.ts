import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetPlan } from '../../automation/fleet-plan';
import type { PreviewResult } from '../../automation/ports';
import { buildPreview, generationChanges, planCostPerHour, readFileAtRef, stateCostPerHour } from '../../automation/modes/preview';
import { FakeDeployer } from '../fakes/fake-deployer';
import { CollectingSink, fixedClock, flatForecast, generation, historyEndingAt, shadowscaleConfig, stubPlanner, workloadConfig, workloadPlan } from './helpers';

describe('preview mode', () => {
  it('GIVEN a base config without the api workload WHEN previewed offline THEN both plans reach the offline preview and api shows as added', async () => {
    const calls: { current?: FleetPlan; next: FleetPlan }[] = [];
    const offlinePreview = async (current: FleetPlan | undefined, next: FleetPlan): Promise<PreviewResult> => {
      calls.push({ current, next });
      return { changes: [{ workload: 'api', resource: 'api-g1-mig', type: 'gcp:compute/instanceGroupManager:InstanceGroupManager', op: 'create' }], log: 'offline' };
    };

    const preview = await buildPreview({
      config: shadowscaleConfig(['web', 'api']),
      baseConfig: shadowscaleConfig(['web']),
      baseRef: 'origin/main',
      clock: fixedClock(),
      history: historyEndingAt(60_000),
      forecast: flatForecast,
      plan: stubPlanner(),
      sink: new CollectingSink(),
      changes: { kind: 'offline', offlinePreview },
    }, new AbortController().signal);

    assert.deepEqual(calls[0].current?.workloads.map((w) => w.workload), ['web']);
    assert.deepEqual(calls[0].next.workloads.map((w) => w.workload), ['web', 'api']);
    const api = preview.workloads.find((w) => w.workload === 'api')!;
    assert.deepEqual(api.generations.map((g) => g.change), ['added', 'added']);
    assert.deepEqual(api.changes.map((c) => c.resource), ['api-g1-mig']);
    assert.equal(api.cost?.basePerHour, 0, 'a workload new in this PR costs nothing on the base');
    const webRow = preview.workloads.find((w) => w.workload === 'web')!;
    assert.deepEqual(webRow.generations.map((g) => g.change), ['same', 'same'], 'same forecasts, same config: same plan');
    assert.equal(webRow.decisions.length, 2);
  });

  it('GIVEN no base and the pulumi deployer WHEN previewed THEN changes come from the deployer and cost is compared with the fleet now', async () => {
    const deployer = new FakeDeployer(fixedClock());
    deployer.seed(workloadPlan('web', [generation('web-g1', { running: 2, minReplicas: 2 })]));

    const preview = await buildPreview({
      config: shadowscaleConfig(['web']),
      clock: fixedClock(),
      history: historyEndingAt(60_000),
      forecast: flatForecast,
      plan: stubPlanner(),
      sink: new CollectingSink(),
      changes: { kind: 'pulumi', deployer },
    }, new AbortController().signal);

    const [web] = preview.workloads;
    assert.deepEqual(web.changes.map((c) => [c.resource, c.op]), [['web-g1', 'update'], ['web-g2', 'create']]);
    assert.equal(web.cost?.baseLabel, 'fleet now');
    assert.ok(Math.abs(web.cost!.basePerHour! - 0.4) < 1e-9);
    assert.equal(deployer.appliedPlan('web')?.generations.length, 1, 'a preview applies nothing');
  });

  it('GIVEN a model recorded by the ticks WHEN previewed with the registry THEN the forecast is asked of that model, as a tick would, and nothing is recorded', async () => {
    const asked: (string | undefined)[] = [];
    const forecast: typeof flatForecast = async (series, options) => {
      asked.push(options.model);
      return { ...(await flatForecast(series, options)), model: options.model ?? 'selected-afresh' };
    };
    const chosen: string[] = [];
    const preview = await buildPreview({
      config: shadowscaleConfig(['web']),
      clock: fixedClock(),
      history: historyEndingAt(60_000),
      forecast,
      models: { choose: async (key) => { chosen.push(key); return { model: 'seasonal-median', decision: { retrain: false, reason: 'fresh', message: 'model v3 is recent' } }; } },
      plan: stubPlanner(),
      sink: new CollectingSink(),
      changes: { kind: 'offline', offlinePreview: async () => ({ changes: [], log: '' }) },
    }, new AbortController().signal);

    assert.deepEqual(chosen, ['web']);
    assert.deepEqual(asked, ['seasonal-median']);
    assert.equal(preview.workloads[0]!.forecast?.model, 'seasonal-median');
  });

  it('GIVEN a generation on all three pools WHEN costed THEN running floor, suspended and stopped are priced separately', () => {
    const g = generation('g', { running: 1, minReplicas: 3, suspended: 10, stopped: 5 });
    assert.ok(Math.abs(planCostPerHour(workloadPlan('w', [g])) - (3 * 0.2 + 10 * 0.016 + 5 * 0.008)) < 1e-12);
  });

  it('GIVEN a fleet on a placement no longer configured WHEN costed THEN the cost is unknown, not zero', () => {
    const cost = stateCostPerHour({ workload: 'w', generations: [{ name: 'g', role: 'primary', state: 'active', placementId: 'gone', running: 1, suspended: 0, stopped: 0, weight: 1000, healthy: true, since: '' }] }, workloadConfig('w').placements);
    assert.ok(Number.isNaN(cost));
  });

  it('GIVEN a generation removed in the new plan WHEN compared THEN it is listed as removed', () => {
    const changes = generationChanges(workloadPlan('w', [generation('g0'), generation('g1')]), workloadPlan('w', [generation('g1')]));
    assert.deepEqual(changes!.map((c) => [c.name, c.change]), [['g0', 'removed'], ['g1', 'same']]);
  });
});

describe('readFileAtRef', () => {
  let repo: string;
  before(async function () {
    repo = await mkdtemp(join(tmpdir(), 'shadowscale-git-'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    await writeFile(join(repo, 'shadowscale.yaml'), 'version: 1 # base\n');
    git('add', 'shadowscale.yaml');
    git('commit', '-q', '-m', 'base');
    await writeFile(join(repo, 'shadowscale.yaml'), 'version: 1 # changed\n');
  });
  after(async () => { await rm(repo, { recursive: true, force: true }); });

  it('GIVEN a committed config WHEN read at HEAD THEN the committed text comes back, not the working copy', async () => {
    assert.equal(await readFileAtRef('HEAD', join(repo, 'shadowscale.yaml')), 'version: 1 # base\n');
  });

  it('GIVEN a file that is not in the ref WHEN read THEN it is undefined (a new configuration)', async () => {
    await writeFile(join(repo, 'new.yaml'), 'version: 1\n');
    assert.equal(await readFileAtRef('HEAD', join(repo, 'new.yaml')), undefined);
  });

  it('GIVEN an unknown ref WHEN read THEN the error names --base and the ref', async () => {
    await assert.rejects(readFileAtRef('no-such-branch', join(repo, 'shadowscale.yaml')), /--base: could not read the file at git ref "no-such-branch"/);
  });

  it('GIVEN a ref that looks like an option WHEN read THEN it is refused before git runs', async () => {
    await assert.rejects(readFileAtRef('--output=/tmp/x', join(repo, 'shadowscale.yaml')), /expected a git ref/);
  });
});
