import assert from 'node:assert/strict';
import { PassThroughClient } from 'google-auth-library';
import { GONE, createComputeObserver, parseMigSelfLink, summarizeManagedInstances } from '../../automation/adapters/compute-observer';
import { isServingHealthy } from '../../automation/mig-health';
import { startComputeFake, type ComputeFake, type FakeManagedInstance } from '../fakes/compute-fake';

const running = (name: string, health?: string, currentAction = 'NONE'): FakeManagedInstance => ({ instance: name, instanceStatus: 'RUNNING', currentAction, ...(health ? { instanceHealth: [{ detailedHealthState: health }] } : {}) });
const summary = (xs: FakeManagedInstance[]) => summarizeManagedInstances(xs);

describe('compute observer: summarising a group', () => {
  it('GIVEN running, suspended and stopped VMs WHEN summarised THEN each is counted by its status, and VMs on their way up count nowhere yet', () => {
    assert.deepEqual(summary([running('a', 'HEALTHY'), running('b', 'HEALTHY'), { instance: 'c', instanceStatus: 'SUSPENDED' }, { instance: 'd', instanceStatus: 'SUSPENDING' }, { instance: 'e', instanceStatus: 'TERMINATED' }, { instance: 'f', instanceStatus: 'PROVISIONING' }]),
      { running: 2, suspended: 2, stopped: 1, healthyRunning: 2, failingRunning: 0, gone: false });
  });

  it('GIVEN VMs being verified or with no verdict yet WHEN summarised THEN they are neither healthy nor failing', () => {
    const live = summary([running('a', 'HEALTHY'), running('b', 'UNKNOWN'), running('c', 'HEALTHY', 'VERIFYING'), running('d', 'UNHEALTHY', 'RESUMING'), running('e', 'DRAINING')]);
    assert.deepEqual([live.running, live.healthyRunning, live.failingRunning], [5, 1, 0]);
  });

  it('GIVEN no health check attached WHEN summarised THEN a running VM with nothing pending passes', () => {
    assert.deepEqual([summary([running('a'), running('b', undefined, 'RECREATING')]).healthyRunning], [1]);
  });

  it('GIVEN self links WHEN parsed THEN zonal and regional groups are told apart, and anything else is named in the error', () => {
    assert.deepEqual(parseMigSelfLink('https://www.googleapis.com/compute/v1/projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1'), { project: 'p1', zone: 'us-central1-a', name: 'web-g1' });
    assert.deepEqual(parseMigSelfLink('projects/p1/regions/us-central1/instanceGroupManagers/web-g2'), { project: 'p1', region: 'us-central1', name: 'web-g2' });
    assert.throws(() => parseMigSelfLink('projects/p1/zones/us-central1-a/instances/vm-1'), /migSelfLink "projects\/p1\/zones\/us-central1-a\/instances\/vm-1" is not a managed instance group link/);
  });
});

describe('generation health from the live group', () => {
  it('GIVEN most judged running VMs fail their checks WHEN judged THEN the generation is unhealthy', () => {
    assert.equal(isServingHealthy(1000, summary([running('a', 'HEALTHY'), running('b', 'UNHEALTHY'), running('c', 'TIMEOUT')])), false);
  });

  it('GIVEN one VM of four failing WHEN judged THEN the generation stays healthy (that VM is the autohealer\'s)', () => {
    assert.equal(isServingHealthy(1000, summary([running('a', 'HEALTHY'), running('b', 'HEALTHY'), running('c', 'HEALTHY'), running('d', 'UNHEALTHY')])), true);
  });

  it('GIVEN a primary scaling out from 3 to 8 VMs whose new VMs are still verifying WHEN judged THEN it stays healthy', () => {
    const live = summary([...['a', 'b', 'c'].map((n) => running(n, 'HEALTHY')), ...['d', 'e', 'f', 'g', 'h'].map((n) => running(n, 'UNKNOWN', 'VERIFYING'))]);
    assert.equal(isServingHealthy(1000, live), true);
  });

  it('GIVEN a serving primary whose VMs are all stopped, all being created, or none at all WHEN judged THEN it is down', () => {
    assert.equal(isServingHealthy(1000, summary([{ instance: 'a', instanceStatus: 'TERMINATED' }, { instance: 'b', instanceStatus: 'TERMINATED' }])), false);
    assert.equal(isServingHealthy(1000, summary([{ instance: 'a', instanceStatus: 'PROVISIONING' }, { instance: 'b', instanceStatus: 'STAGING' }])), false);
    assert.equal(isServingHealthy(1000, summary([])), false);
  });

  it('GIVEN a standby shadow WHEN judged THEN it is a failover target with a pool to resume, and not while it is still empty', () => {
    assert.equal(isServingHealthy(0, summary([{ instance: 'a', instanceStatus: 'SUSPENDED' }, { instance: 'b', instanceStatus: 'SUSPENDED' }])), true);
    assert.equal(isServingHealthy(0, summary([{ instance: 'a', instanceStatus: 'PROVISIONING' }])), false);
    assert.equal(isServingHealthy(0, summary([])), false);
  });

  it('GIVEN a group that no longer exists WHEN judged THEN it is unhealthy whatever its weight', () => {
    assert.equal(isServingHealthy(0, GONE), false);
    assert.equal(isServingHealthy(1000, GONE), false);
  });
});

describe('compute observer: the real client against a local Compute endpoint', () => {
  let fake: ComputeFake;
  beforeEach(async () => {
    fake = await startComputeFake();
  });
  afterEach(async () => {
    await fake.close();
  });
  const observer = () => createComputeObserver({ clientOptions: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', fallback: true, authClient: new PassThroughClient() as never, projectId: 'test' } });

  it('GIVEN a zonal group WHEN observed THEN the zonal endpoint is called and its instances are counted', async () => {
    fake.groups.set('projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1', [running('a', 'UNHEALTHY'), running('b', 'UNHEALTHY'), running('c', 'HEALTHY'), { instance: 'd', instanceStatus: 'SUSPENDED' }]);
    const o = observer();

    const live = await o.observe('https://www.googleapis.com/compute/v1/projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1');
    await o.close?.();

    assert.deepEqual(fake.requests, ['projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1']);
    assert.deepEqual(live, { running: 3, suspended: 1, stopped: 0, healthyRunning: 1, failingRunning: 2, gone: false });
  });

  it('GIVEN a regional group listed over several pages WHEN observed THEN every page is read', async () => {
    fake.pageSize = 2;
    fake.groups.set('projects/p1/regions/us-central1/instanceGroupManagers/web-g2', [running('a', 'HEALTHY'), running('b', 'HEALTHY'), running('c', 'HEALTHY'), { instance: 'd', instanceStatus: 'TERMINATED' }, { instance: 'e', instanceStatus: 'SUSPENDED' }]);
    const o = observer();

    const live = await o.observe('projects/p1/regions/us-central1/instanceGroupManagers/web-g2');
    await o.close?.();

    assert.equal(fake.requests.length, 3);
    assert.deepEqual(live, { running: 3, suspended: 1, stopped: 1, healthyRunning: 3, failingRunning: 0, gone: false });
  });

  it('GIVEN a group that no longer exists (404) WHEN observed THEN it is reported gone, not as an error', async () => {
    const o = observer();
    const live = await o.observe('projects/p1/zones/us-central1-a/instanceGroupManagers/gone');
    await o.close?.();
    assert.deepEqual(live, GONE);
  });

  it('GIVEN the Compute API answers 503 WHEN observed THEN the error reaches the caller after one request (the deployer\'s policy retries)', async () => {
    fake.groups.set('projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1', [running('a', 'HEALTHY')]);
    fake.failNext(503);
    const o = observer();
    await assert.rejects(o.observe('projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1'));
    await o.close?.();
    assert.equal(fake.requests.length, 1);
  });

  it('GIVEN a read in flight WHEN the signal aborts THEN the observation rejects at once', async () => {
    fake.groups.set('projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1', [running('a', 'HEALTHY')]);
    const o = observer();
    const controller = new AbortController();
    const reading = o.observe('projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1', { signal: controller.signal });
    controller.abort(new Error('tick deadline'));
    await assert.rejects(reading, /tick deadline/);
    await o.close?.();
  });
});
