import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetPlan, FleetState } from '../../automation/fleet-plan';
import { ShadowscaleError } from '../../automation/errors';
import {
  FileRecoveryMarkers, PulumiDeployer, RefreshEveryUp, changesFromEvents, explainPulumiError, needsRefreshAfterFailure, parseLockOwners, planForWorkload,
  stackNameFor, staleLockVerdict, type RecoveryMarkers, type StackOutputs, type StepEvent,
} from '../../automation/adapters/pulumi-deployer';
import { FakeStackDriver, NamedError } from './fake-stack-driver';
import { PassThroughClient } from 'google-auth-library';
import { createComputeObserver } from '../../automation/adapters/compute-observer';
import type { FleetObserver } from '../../automation/ports';
import { startComputeFake, type ComputeFake, type FakeManagedInstance } from '../fakes/compute-fake';
import { CollectingSink, NOW, fixedClock, generation, workloadPlan } from './helpers';

const LOCK_ERROR = [
  'code: 255',
  'stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.',
  '  gs://state/.pulumi/locks/organization/shadowscale/prod-web/6f1c.json: created by runner@job-abc (pid 4242) at 2025-03-10T11:00:00Z',
].join('\n');

const event = (op: string, name: string, type: string, extra: Record<string, unknown> = {}): StepEvent => ({
  resourcePreEvent: { metadata: { op, urn: `urn:pulumi:prod-web::shadowscale::${type}::${name}`, type, ...extra } },
});

describe('pulumi deployer: pure logic', () => {
  it('GIVEN a prefix and a workload WHEN naming the stack THEN it is prefix-workload', () => {
    assert.equal(stackNameFor('prod', 'web'), 'prod-web');
  });

  it('GIVEN a workload name with a slash WHEN naming the stack THEN the error says which characters are allowed', () => {
    assert.throws(() => stackNameFor('prod', 'team/web'), /workloads\[team\/web\]\.name: expected letters, digits/);
  });

  it('GIVEN a two-workload plan WHEN split THEN each stack gets only its workload', () => {
    const plan: FleetPlan = { version: 1, createdAt: NOW.toISOString(), workloads: [workloadPlan('web', [generation('web-g1')]), workloadPlan('api', [generation('api-g1')])] };
    assert.deepEqual(planForWorkload(plan, 'api').workloads.map((w) => w.workload), ['api']);
  });

  it('GIVEN preview step events WHEN mapped THEN stack and provider steps are dropped, replacement steps collapse, and changed keys are listed', () => {
    const events: StepEvent[] = [
      event('same', 'prod-web', 'pulumi:pulumi:Stack'),
      event('create', 'default_9_37_0', 'pulumi:providers:gcp'),
      event('create', 'web-g2-mig', 'gcp:compute/instanceGroupManager:InstanceGroupManager'),
      event('update', 'web-urlmap', 'gcp:compute/uRLMap:URLMap', { diffs: ['defaultRouteAction'], detailedDiff: { 'defaultRouteAction.weightedBackendServices[0].weight': { diffKind: 'update', inputDiff: true } } }),
      event('replace', 'web-g1-template', 'gcp:compute/instanceTemplate:InstanceTemplate', { detailedDiff: { machineType: { diffKind: 'update-replace', inputDiff: true } } }),
      event('create-replacement', 'web-g1-template', 'gcp:compute/instanceTemplate:InstanceTemplate'),
      event('delete-replaced', 'web-g1-template', 'gcp:compute/instanceTemplate:InstanceTemplate'),
      event('delete', 'web-g0-mig', 'gcp:compute/instanceGroupManager:InstanceGroupManager', { diffs: [] }),
      event('read', 'default-network', 'gcp:compute/network:Network'),
      { summaryEvent: { resourceChanges: { create: 1 } } },
    ];

    const changes = changesFromEvents('web', events);

    assert.deepEqual(changes, [
      { workload: 'web', resource: 'web-g2-mig', type: 'gcp:compute/instanceGroupManager:InstanceGroupManager', op: 'create' },
      { workload: 'web', resource: 'web-urlmap', type: 'gcp:compute/uRLMap:URLMap', op: 'update', detail: 'defaultRouteAction.weightedBackendServices[0].weight' },
      { workload: 'web', resource: 'web-g1-template', type: 'gcp:compute/instanceTemplate:InstanceTemplate', op: 'replace', detail: 'machineType (forces replacement)' },
      { workload: 'web', resource: 'web-g0-mig', type: 'gcp:compute/instanceGroupManager:InstanceGroupManager', op: 'delete' },
    ]);
  });

  it('GIVEN a DIY lock error WHEN parsed THEN the owner, host, pid and time come out', () => {
    assert.deepEqual(parseLockOwners(LOCK_ERROR), [
      { lockUrl: 'gs://state/.pulumi/locks/organization/shadowscale/prod-web/6f1c.json', user: 'runner', host: 'job-abc', pid: 4242, createdAt: '2025-03-10T11:00:00Z' },
    ]);
  });

  it('GIVEN a lock on this host whose process is gone WHEN judged THEN it may be cancelled, saying why', () => {
    const verdict = staleLockVerdict(parseLockOwners(LOCK_ERROR), { hostname: 'job-abc', isPidAlive: () => false }, NOW);
    assert.equal(verdict.cancel, true);
    assert.match(verdict.reason, /pid 4242 .*no such process on this host/);
  });

  it('GIVEN a lock on another host and no run-time limit WHEN judged THEN it is never cancelled', () => {
    const verdict = staleLockVerdict(parseLockOwners(LOCK_ERROR), { hostname: 'laptop', isPidAlive: () => false }, NOW);
    assert.equal(verdict.cancel, false);
    assert.match(verdict.reason, /may still be running/);
  });

  it('GIVEN a lock on another host older than the longest run WHEN judged THEN it may be cancelled', () => {
    const verdict = staleLockVerdict(parseLockOwners(LOCK_ERROR), { hostname: 'laptop', isPidAlive: () => true, maxRunMs: 30 * 60_000 }, NOW);
    assert.equal(verdict.cancel, true);
    assert.match(verdict.reason, /older than the longest run \(1800 s\)/);
  });

  it('GIVEN a lock younger than the longest run WHEN judged THEN it waits', () => {
    const verdict = staleLockVerdict(parseLockOwners(LOCK_ERROR), { hostname: 'laptop', isPidAlive: () => true, maxRunMs: 2 * 3_600_000 }, NOW);
    assert.equal(verdict.cancel, false);
  });

  it('GIVEN failures WHEN deciding on a refresh THEN only an up that started needs one', () => {
    assert.equal(needsRefreshAfterFailure('up', new NamedError('CommandError', 'resource failed')), true);
    assert.equal(needsRefreshAfterFailure('up', new NamedError('ConcurrentUpdateError', 'locked')), false);
    assert.equal(needsRefreshAfterFailure('preview', new NamedError('CommandError', 'boom')), false);
  });
});

class MemoryMarkers implements RecoveryMarkers {
  readonly marks = new Map<string, string>();
  async pending(stack: string) { return this.marks.get(stack); }
  async mark(stack: string, reason: string) { this.marks.set(stack, reason); }
  async clear(stack: string) { this.marks.delete(stack); }
}

/** The outputs the fake driver returns carry the plan; this reads them as the real stacks/outputs.ts would. */
const stateFromOutputs = (outputs: StackOutputs, observedAt: string): FleetState => {
  const plan = outputs.fleet.value as FleetPlan;
  return { observedAt, workloads: plan.workloads.map((w) => ({ workload: w.workload, generations: w.generations.map((g) => ({ name: g.name, role: g.role, state: g.state, placementId: g.placement.id, running: g.running, suspended: g.suspended, stopped: g.stopped, weight: g.weight, healthy: true, since: g.since })) })) };
};

/** As the real outputs after a deploy: every generation names its MIG. */
const stateWithMigLinks = (outputs: StackOutputs, observedAt: string): FleetState => {
  const state = stateFromOutputs(outputs, observedAt);
  for (const w of state.workloads) for (const g of w.generations) g.migSelfLink = `https://www.googleapis.com/compute/v1/projects/p1/zones/us-central1-a/instanceGroupManagers/${g.name}`;
  return state;
};

function deployer(driver: FakeStackDriver, overrides: { markers?: MemoryMarkers; recovery?: RecoveryMarkers; hostname?: string; retries?: number; observer?: FleetObserver; fleetStateFromOutputs?: typeof stateFromOutputs } = {}) {
  const sink = new CollectingSink();
  const markers = overrides.markers ?? new MemoryMarkers();
  const d = new PulumiDeployer({
    deployer: { stackPrefix: 'prod', concurrency: 2, retries: overrides.retries ?? 2 },
    workloads: ['web', 'api'],
    driver,
    fleetStateFromOutputs: overrides.fleetStateFromOutputs ?? stateFromOutputs,
    ...(overrides.observer ? { observer: overrides.observer } : {}),
    clock: fixedClock(),
    sink,
    recovery: overrides.recovery ?? markers,
    lockPolicy: { hostname: overrides.hostname ?? 'laptop', isPidAlive: () => false },
    backoff: { minTimeoutMs: 1, maxTimeoutMs: 2 },
  });
  return { d, sink, markers };
}

const plan = (...names: string[]): FleetPlan => ({ version: 1, createdAt: NOW.toISOString(), workloads: names.map((n) => workloadPlan(n, [generation(`${n}-g1`)])) });

describe('PulumiDeployer over a fake stack driver', () => {
  it('GIVEN stacks that do not exist yet WHEN reading state THEN each workload has no generations', async () => {
    const { d } = deployer(new FakeStackDriver());
    const state = await d.state();
    assert.deepEqual(state.workloads, [{ workload: 'web', generations: [] }, { workload: 'api', generations: [] }]);
    assert.equal(state.observedAt, NOW.toISOString());
  });

  it('GIVEN a two-workload plan WHEN applied THEN each stack gets its own plan and the state comes from its outputs', async () => {
    const driver = new FakeStackDriver();
    driver.eventsByStack.set('prod-web', [event('create', 'web-g1-mig', 'gcp:compute/instanceGroupManager:InstanceGroupManager')]);
    const { d } = deployer(driver);

    const result = await d.apply(plan('web', 'api'));

    assert.deepEqual(driver.plans.get('prod-api')?.workloads.map((w) => w.workload), ['api']);
    assert.deepEqual(result.state.workloads.map((w) => [w.workload, w.generations[0].name]), [['web', 'web-g1'], ['api', 'api-g1']]);
    assert.deepEqual(result.changes.map((c) => [c.workload, c.resource, c.op]), [['web', 'web-g1-mig', 'create']]);
    assert.deepEqual((await d.state()).workloads.map((w) => w.generations.length), [1, 1]);
  });

  it('GIVEN a stack locked by a live run elsewhere WHEN applying THEN it backs off and retries without cancelling', async () => {
    const driver = new FakeStackDriver();
    driver.failNext('up', 'prod-web', new NamedError('ConcurrentUpdateError', LOCK_ERROR));
    const { d, sink, markers } = deployer(driver);

    await d.apply(plan('web'));

    assert.deepEqual(driver.log, ['open prod-web', 'up prod-web', 'open prod-web', 'up prod-web']);
    assert.deepEqual(sink.codes(), ['deploy.locked', 'deploy.retry']);
    assert.equal(markers.marks.size, 0, 'an update that never started needs no refresh');
  });

  it('GIVEN a lock left by a dead process on this host WHEN applying THEN the lock is cancelled, logged, and the retry refreshes first', async () => {
    const driver = new FakeStackDriver();
    driver.failNext('up', 'prod-web', new NamedError('ConcurrentUpdateError', LOCK_ERROR));
    const { d, sink } = deployer(driver, { hostname: 'job-abc' });

    await d.apply(plan('web'));

    assert.deepEqual(driver.log, ['open prod-web', 'up prod-web', 'cancel prod-web', 'open prod-web', 'refresh prod-web', 'up prod-web']);
    const cancelled = sink.events.find((e) => e.code === 'deploy.stale-lock-cancelled');
    assert.match(cancelled!.message, /pid 4242.*no such process on this host/);
    assert.ok(sink.codes().includes('deploy.refresh-before-up'));
  });

  it('GIVEN an up that fails in the engine WHEN the next run applies THEN it refreshes before updating, then clears the marker', async () => {
    const driver = new FakeStackDriver();
    const markers = new MemoryMarkers();
    driver.failNext('up', 'prod-web', new NamedError('CommandError', 'error: 1 error occurred: googleapi: Error 503'));
    const first = deployer(driver, { markers });

    await assert.rejects(first.d.apply(plan('web')), /googleapi/);
    assert.match(markers.marks.get('prod-web')!, /update failed/);

    driver.log.length = 0;
    await deployer(driver, { markers }).d.apply(plan('web'));
    assert.deepEqual(driver.log, ['open prod-web', 'refresh prod-web', 'up prod-web']);
    assert.equal(markers.marks.size, 0);
  });

  it('GIVEN a process whose disk does not outlive it (a Cloud Run task) WHEN it applies twice THEN each update refreshes first (a marker written there would never reach the next execution)', async () => {
    const driver = new FakeStackDriver();
    const { d } = deployer(driver, { recovery: new RefreshEveryUp() });
    await d.apply(plan('web'));
    await d.apply(plan('web'));
    assert.deepEqual(driver.log, ['open prod-web', 'refresh prod-web', 'up prod-web', 'open prod-web', 'refresh prod-web', 'up prod-web']);
  });

  it('GIVEN an in-flight up WHEN the signal aborts THEN a refresh is left for next time, no lock is cancelled (pulumi cancel removes every lock, another execution\'s too), and the error is cancelled', async () => {
    const driver = new FakeStackDriver();
    driver.hangUp = true;
    const { d, markers, sink } = deployer(driver);
    const controller = new AbortController();

    const applying = d.apply(plan('web'), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('received SIGTERM')), 10);

    await assert.rejects(applying, (e) => e instanceof ShadowscaleError && e.kind === 'cancelled' && /SIGTERM/.test(e.message));
    assert.deepEqual(driver.log, ['open prod-web', 'up prod-web']);
    assert.equal(markers.marks.get('prod-web'), 'update cancelled');
    assert.ok(sink.codes().includes('deploy.cancelled'));
  });

  it('GIVEN one of two stacks cannot be read WHEN reading state THEN the other is read and the failing one is listed as unreadable with its kind', async () => {
    const driver = new FakeStackDriver();
    const { d } = deployer(driver);
    await d.apply(plan('web', 'api'));
    driver.failNext('outputs', 'prod-api', new NamedError('CommandError', 'error: could not read the state bucket: 403 Forbidden'));

    const state = await d.state();

    assert.deepEqual(state.workloads.map((w) => w.workload), ['web']);
    assert.deepEqual(state.unreadable, [{ workload: 'api', error: 'error: could not read the state bucket: 403 Forbidden', kind: 'internal' }]);
  });

  it('GIVEN no stack can be read WHEN reading state THEN the read fails naming both', async () => {
    const driver = new FakeStackDriver();
    const { d } = deployer(driver);
    await d.apply(plan('web', 'api'));
    driver.failNext('outputs', 'prod-web', new NamedError('CommandError', 'error: no credentials'));
    driver.failNext('outputs', 'prod-api', new NamedError('CommandError', 'error: no credentials'));

    await assert.rejects(d.state(), /could not read the state of 2 workloads: web: .*no credentials; api: .*no credentials/);
  });

  it('GIVEN every stack read fails with an outage WHEN reading state THEN the error is transient, so the job retries', async () => {
    const driver = new FakeStackDriver();
    const { d } = deployer(driver, { retries: 0 });
    await d.apply(plan('web', 'api'));
    for (const stack of ['prod-web', 'prod-api']) driver.failNext('outputs', stack, Object.assign(new Error('googleapi: Error 503: backend unavailable'), { status: 503 }));

    await assert.rejects(d.state(), (e) => e instanceof ShadowscaleError && e.kind === 'transient' && /could not read the state of 2 workloads/.test(e.message));
  });

  it('GIVEN one stack locked by another update and the other behind an outage WHEN reading state THEN the error is still transient (each is worth retrying), not internal', async () => {
    const driver = new FakeStackDriver();
    const { d } = deployer(driver, { retries: 0 });
    await d.apply(plan('web', 'api'));
    driver.failNext('outputs', 'prod-web', Object.assign(new Error('the stack is currently locked by 1 lock(s)'), { name: 'ConcurrentUpdateError' }));
    driver.failNext('outputs', 'prod-api', Object.assign(new Error('googleapi: Error 503: backend unavailable'), { status: 503 }));

    await assert.rejects(d.state(), (e) => e instanceof ShadowscaleError && e.kind === 'transient' && /could not read the state of 2 workloads/.test(e.message));
  });

  it('GIVEN one of two stacks fails WHEN previewing both THEN the error names the failing workload only', async () => {
    const driver = new FakeStackDriver();
    driver.failNext('preview', 'prod-api', new NamedError('CommandError', 'error: program failed'));
    const { d } = deployer(driver);

    await assert.rejects(d.preview(plan('web', 'api')), /program failed/);
    assert.ok(driver.log.includes('preview prod-web'), 'the other stack was still previewed');
  });
});

describe('PulumiDeployer: live MIG state over the stack outputs', () => {
  const running = (health: string): FakeManagedInstance => ({ instance: `vm-${health}-${Math.random().toString(36).slice(2, 7)}`, instanceStatus: 'RUNNING', currentAction: 'NONE', instanceHealth: [{ detailedHealthState: health }] });
  const group = (name: string) => `projects/p1/zones/us-central1-a/instanceGroupManagers/${name}`;

  /** web and api applied through the fake stack driver; their MIGs answered by a local Compute endpoint holding `groups`. */
  async function readLiveState(groups: Record<string, FakeManagedInstance[]>, before?: (fake: ComputeFake) => void) {
    const fake = await startComputeFake();
    try {
      for (const [name, instances] of Object.entries(groups)) fake.groups.set(group(name), instances);
      before?.(fake);
      const observer = createComputeObserver({ clientOptions: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', fallback: true, authClient: new PassThroughClient() as never, projectId: 'test' } });
      const { d, sink } = deployer(new FakeStackDriver(), { observer, fleetStateFromOutputs: stateWithMigLinks });
      await d.apply(plan('web', 'api'));
      const state = await d.state();
      await d.close();
      return { state, sink, requests: [...fake.requests] };
    } finally {
      await fake.close();
    }
  }
  const generationOf = (state: FleetState, workload: string) => state.workloads.find((w) => w.workload === workload)!.generations[0]!;

  it('GIVEN outputs from the last update say the primary is healthy but its VMs now fail their checks WHEN reading state THEN the state shows it unhealthy with the live counts', async () => {
    const { state } = await readLiveState({
      'web-g1': [running('UNHEALTHY'), running('UNHEALTHY'), running('HEALTHY'), { instance: 'x', instanceStatus: 'SUSPENDED' }],
      'api-g1': [running('HEALTHY'), running('HEALTHY')],
    });

    const web = generationOf(state, 'web');
    assert.deepEqual([web.healthy, web.running, web.suspended, web.stopped], [false, 3, 1, 0]);
    assert.equal(generationOf(state, 'api').healthy, true);
  });

  it('GIVEN the Compute API answers 503 once WHEN reading state THEN the read is retried, logged, and succeeds', async () => {
    const { state, sink, requests } = await readLiveState({ 'web-g1': [running('HEALTHY')], 'api-g1': [running('HEALTHY')] }, (fake) => fake.failNext(503));

    assert.deepEqual(state.workloads.map((w) => w.generations[0]!.healthy), [true, true]);
    assert.equal(requests.length, 3, 'web (failed, then again) and api');
    assert.deepEqual(sink.codes(), ['deploy.retry']);
  });

  it('GIVEN the outputs name a MIG that no longer exists WHEN reading state THEN it counts as empty and unhealthy, with a warning, and the workload is still planned', async () => {
    const { state, sink } = await readLiveState({ 'api-g1': [running('HEALTHY')] });

    assert.equal(state.unreadable, undefined);
    const web = generationOf(state, 'web');
    assert.deepEqual([web.running, web.suspended, web.stopped, web.healthy], [0, 0, 0, false]);
    assert.ok(sink.events.some((e) => e.code === 'deploy.mig-missing' && /web-g1's instance group .* no longer exists/.test(e.message)));
  });

  it('GIVEN a generation whose outputs carry no MIG link (an older stack) WHEN reading state THEN it is taken from the outputs and the observer is not called', async () => {
    const calls: string[] = [];
    const observer: FleetObserver = { observe: async (link) => { calls.push(link); throw new Error('not expected'); } };
    const driver = new FakeStackDriver();
    const { d } = deployer(driver, { observer });
    await d.apply(plan('web'));

    const state = await d.state();

    assert.deepEqual(calls, []);
    assert.equal(state.workloads.find((w) => w.workload === 'web')!.generations[0]!.healthy, true);
  });

  it('GIVEN the observer keeps failing for a workload WHEN reading state THEN that workload is unreadable (nothing is planned on a guess)', async () => {
    const observer: FleetObserver = { observe: async () => { throw new ShadowscaleError('config', 'compute.denied', 'compute.instanceGroupManagers.listManagedInstances denied on project p1'); } };
    const driver = new FakeStackDriver();
    const { d } = deployer(driver, { observer, fleetStateFromOutputs: stateWithMigLinks });
    await d.apply(plan('web'));

    const state = await d.state();

    assert.deepEqual(state.unreadable, [{ workload: 'web', error: 'compute.instanceGroupManagers.listManagedInstances denied on project p1', kind: 'config' }]);
    assert.deepEqual(state.workloads.map((w) => w.workload), ['api']);
  });
});

describe('FileRecoveryMarkers', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'shadowscale-markers-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('GIVEN a marked stack WHEN read back by a new instance THEN the reason and time survive, and clear removes it', async () => {
    await new FileRecoveryMarkers(dir).mark('prod-web', 'update cancelled', NOW);

    const markers = new FileRecoveryMarkers(join(dir));
    assert.equal(await markers.pending('prod-web'), `update cancelled (at ${NOW.toISOString()})`);
    assert.equal(await markers.pending('prod-api'), undefined);
    await markers.clear('prod-web');
    assert.equal(await markers.pending('prod-web'), undefined);
  });
});

describe('explainPulumiError', () => {
  it('GIVEN the SDK cannot spawn the CLI WHEN explained THEN it is a config error that says to install pulumi', () => {
    const e = explainPulumiError(new NamedError('CommandError', 'code: -2\n stderr: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT'));
    assert.ok(e instanceof ShadowscaleError && e.kind === 'config');
    assert.match((e as Error).message, /pulumi CLI is not on PATH.*install it/);
  });
});
