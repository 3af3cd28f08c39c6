/**
 * The live state of a generation's managed instance group, read with the Compute API
 * (`instanceGroupManagers.listManagedInstances`, zonal or regional by the self link). Only this
 * file talks to Compute; the summary of the instances is a pure function.
 */
import { InstanceGroupManagersClient, RegionInstanceGroupManagersClient, type protos } from '@google-cloud/compute';
import { ShadowscaleError } from '../errors';
import type { DeployOptions, FleetObserver, MigObservation } from '../ports';

type ManagedInstance = protos.google.cloud.compute.v1.IManagedInstance;

export interface MigLocation {
  project: string;
  zone?: string;
  region?: string;
  name: string;
}

const SELF_LINK = /(?:^|\/)projects\/([^/]+)\/(zones|regions)\/([^/]+)\/instanceGroupManagers\/([^/?#]+)$/;

export function parseMigSelfLink(selfLink: string): MigLocation {
  const m = SELF_LINK.exec(selfLink);
  if (!m) {
    throw new ShadowscaleError('input', 'outputs.mig-self-link', `outputs.fleet: migSelfLink "${selfLink}" is not a managed instance group link (expected .../projects/P/zones/Z/instanceGroupManagers/N or .../regions/R/...)`);
  }
  const [, project, kind, where, name] = m;
  return kind === 'zones' ? { project: project!, zone: where!, name: name! } : { project: project!, region: where!, name: name! };
}

const SUSPENDED = new Set(['SUSPENDED', 'SUSPENDING']);
const STOPPED = new Set(['TERMINATED', 'STOPPING', 'STOPPED']);
const FAILING = new Set(['UNHEALTHY', 'TIMEOUT', 'DRAINING']);

/**
 * Counts a group's instances by status. A running VM is healthy when every health check it has
 * reports HEALTHY, or, with no health check attached, when the MIG has no action pending on it.
 * The group is healthy when at least half its running VMs are (and at least one): one bad VM is
 * the autohealer's job, most of them failing is a failover. A group with no running VM (a
 * standby pool) has nothing failing and counts as healthy, so a failover may resume it.
 */
export function summarizeManagedInstances(instances: readonly ManagedInstance[]): MigObservation {
  let running = 0;
  let suspended = 0;
  let stopped = 0;
  let healthyRunning = 0;
  for (const i of instances) {
    const status = String(i.instanceStatus ?? '');
    if (SUSPENDED.has(status)) suspended++;
    else if (STOPPED.has(status)) stopped++;
    else if (status === 'RUNNING') {
      running++;
      const checks = i.instanceHealth ?? [];
      const ok = checks.length
        ? checks.every((h) => String(h.detailedHealthState ?? '') === 'HEALTHY')
        : String(i.currentAction ?? 'NONE') === 'NONE';
      if (ok && !checks.some((h) => FAILING.has(String(h.detailedHealthState ?? '')))) healthyRunning++;
    }
  }
  const healthy = running === 0 || (healthyRunning >= 1 && 2 * healthyRunning >= running);
  return { running, suspended, stopped, healthyRunning, healthy };
}

export interface ComputeObserverOptions {
  /** Passed to the Compute clients (tests: apiEndpoint, port, protocol, fallback, authClient). */
  clientOptions?: ConstructorParameters<typeof InstanceGroupManagersClient>[0];
}

export function createComputeObserver(options: ComputeObserverOptions = {}): FleetObserver {
  let zonal: InstanceGroupManagersClient | undefined;
  let regional: RegionInstanceGroupManagersClient | undefined;
  return {
    async observe(migSelfLink: string, opts: DeployOptions = {}): Promise<MigObservation> {
      opts.signal?.throwIfAborted();
      const at = parseMigSelfLink(migSelfLink);
      // The client pages through every instance (autoPaginate) and retries its own transient errors.
      const [instances] = at.zone
        ? await (zonal ??= new InstanceGroupManagersClient(options.clientOptions)).listManagedInstances({ project: at.project, zone: at.zone, instanceGroupManager: at.name })
        : await (regional ??= new RegionInstanceGroupManagersClient(options.clientOptions)).listManagedInstances({ project: at.project, region: at.region!, instanceGroupManager: at.name });
      opts.signal?.throwIfAborted();
      return summarizeManagedInstances(instances);
    },
    async close(): Promise<void> {
      await Promise.all([zonal?.close(), regional?.close()]);
    },
  };
}
