import assert from 'node:assert/strict';
import { PassThroughClient } from 'google-auth-library';
import { createComputeObserver, parseMigSelfLink, summarizeManagedInstances } from '../../automation/adapters/compute-observer';
import { startComputeFake, type ComputeFake, type FakeManagedInstance } from '../fakes/compute-fake';

const running = (name: string, health?: string): FakeManagedInstance => ({ instance: name, instanceStatus: 'RUNNING', currentAction: 'NONE', ...(health ? { instanceHealth: [{ detailedHealthState: health }] } : {}) });

describe('compute observer: summarising a group', () => {
  it('GIVEN running, suspended and stopped VMs WHEN summarised THEN each is counted by its status', () => {
    const live = summarizeManagedInstances([running('a', 'HEALTHY'), running('b', 'HEALTHY'), { instanceStatus: 'SUSPENDED' }, { instanceStatus: 'SUSPENDING' }, { instanceStatus: 'TERMINATED' }, { instanceStatus: 'PROVISIONING' }]);
    assert.deepEqual(live, { running: 2, suspended: 2, stopped: 1, healthyRunning: 2, healthy: true });
  });

  it('GIVEN most running VMs fail their health check WHEN summarised THEN the group is unhealthy', () => {
    const live = summarizeManagedInstances([running('a', 'HEALTHY'), running('b', 'UNHEALTHY'), running('c', 'TIMEOUT')]);
    assert.equal(live.healthyRunning, 1);
    assert.equal(live.healthy, false);
  });

  it('GIVEN one VM of four failing WHEN summarised THEN the group stays healthy (that VM is the autohealer\'s)', () => {
    assert.equal(summarizeManagedInstances([running('a', 'HEALTHY'), running('b', 'HEALTHY'), running('c', 'HEALTHY'), running('d', 'UNHEALTHY')]).healthy, true);
  });

  it('GIVEN no health check attached WHEN summarised THEN a running VM with no pending action is healthy and one being recreated is not', () => {
    const live = summarizeManagedInstances([running('a'), { instance: 'b', instanceStatus: 'RUNNING', currentAction: 'RECREATING' }, { instance: 'c', instanceStatus: 'RUNNING', currentAction: 'RECREATING' }]);
    assert.equal(live.healthyRunning, 1);
    assert.equal(live.healthy, false);
  });

  it('GIVEN a standby pool with no running VM WHEN summarised THEN nothing is failing and it counts as healthy', () => {
    assert.deepEqual(summarizeManagedInstances([{ instanceStatus: 'SUSPENDED' }, { instanceStatus: 'SUSPENDED' }]), { running: 0, suspended: 2, stopped: 0, healthyRunning: 0, healthy: true });
  });

  it('GIVEN self links WHEN parsed THEN zonal and regional groups are told apart, and anything else is named in the error', () => {
    assert.deepEqual(parseMigSelfLink('https://www.googleapis.com/compute/v1/projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1'), { project: 'p1', zone: 'us-central1-a', name: 'web-g1' });
    assert.deepEqual(parseMigSelfLink('projects/p1/regions/us-central1/instanceGroupManagers/web-g2'), { project: 'p1', region: 'us-central1', name: 'web-g2' });
    assert.throws(() => parseMigSelfLink('projects/p1/zones/us-central1-a/instances/vm-1'), /migSelfLink "projects\/p1\/zones\/us-central1-a\/instances\/vm-1" is not a managed instance group link/);
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

  it('GIVEN a zonal group with an unhealthy majority WHEN observed THEN the zonal endpoint is called and the group is reported unhealthy', async () => {
    fake.groups.set('projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1', [running('a', 'UNHEALTHY'), running('b', 'UNHEALTHY'), running('c', 'HEALTHY'), { instance: 'd', instanceStatus: 'SUSPENDED' }]);
    const o = observer();

    const live = await o.observe('https://www.googleapis.com/compute/v1/projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1');
    await o.close?.();

    assert.deepEqual(fake.requests, ['projects/p1/zones/us-central1-a/instanceGroupManagers/web-g1']);
    assert.deepEqual(live, { running: 3, suspended: 1, stopped: 0, healthyRunning: 1, healthy: false });
  });

  it('GIVEN a regional group listed over several pages WHEN observed THEN every page is read', async () => {
    fake.pageSize = 2;
    fake.groups.set('projects/p1/regions/us-central1/instanceGroupManagers/web-g2', [running('a', 'HEALTHY'), running('b', 'HEALTHY'), running('c', 'HEALTHY'), { instance: 'd', instanceStatus: 'TERMINATED' }, { instance: 'e', instanceStatus: 'SUSPENDED' }]);
    const o = observer();

    const live = await o.observe('projects/p1/regions/us-central1/instanceGroupManagers/web-g2');
    await o.close?.();

    assert.equal(fake.requests.length, 3);
    assert.deepEqual(live, { running: 3, suspended: 1, stopped: 1, healthyRunning: 3, healthy: true });
  });

  it('GIVEN a group that no longer exists WHEN observed THEN the call fails with the API\'s not-found error', async () => {
    const o = observer();
    await assert.rejects(o.observe('projects/p1/zones/us-central1-a/instanceGroupManagers/gone'), /was not found/);
    await o.close?.();
  });
});
