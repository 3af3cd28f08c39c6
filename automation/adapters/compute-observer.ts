/**
 * The live state of a generation's managed instance group, read with the Compute API
 * (`instanceGroupManagers.listManagedInstances`, zonal or regional by the self link). Only this
 * file talks to Compute; summarising the instances is a pure function (health is judged in
 * automation/mig-health.ts).
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
const FAILING = new Set(['UNHEALTHY', 'TIMEOUT']);

/**
 * Counts a group's instances by status, and its running VMs by what their health checks say.
 * A running VM the MIG is still acting on (creating, resuming, verifying) or whose checks have no
 * verdict yet (UNKNOWN, or DRAINING) is settling: it counts neither for nor against the group,
 * so a scale-out or a pool resume never looks like a failure. Without a health check, a running
 * VM with no action pending passes.
 */
export function summarizeManagedInstances(instances: readonly ManagedInstance[]): MigObservation {
  const out: MigObservation = { running: 0, suspended: 0, stopped: 0, healthyRunning: 0, failingRunning: 0, gone: false };
  for (const i of instances) {
    const status = String(i.instanceStatus ?? '');
    if (SUSPENDED.has(status)) out.suspended++;
    else if (STOPPED.has(status)) out.stopped++;
    else if (status === 'RUNNING') {
      out.running++;
      if (String(i.currentAction ?? 'NONE') !== 'NONE') continue;
      const states = (i.instanceHealth ?? []).map((h) => String(h.detailedHealthState ?? 'UNKNOWN'));
      if (states.some((s) => FAILING.has(s))) out.failingRunning++;
      else if (states.every((s) => s === 'HEALTHY')) out.healthyRunning++;
    }
  }
  return out;
}

/** What a group that no longer exists looks like: nothing in it. */
export const GONE: MigObservation = { running: 0, suspended: 0, stopped: 0, healthyRunning: 0, failingRunning: 0, gone: true };

export interface ComputeObserverOptions {
  /** Passed to the Compute clients (tests: apiEndpoint, port, protocol, fallback, authClient). */
  clientOptions?: ConstructorParameters<typeof InstanceGroupManagersClient>[0];
  /** Per-call deadline, ms; a hung read must not outlive the tick. Default 30 s. */
  timeoutMs?: number;
}

/** NOT_FOUND, by gRPC code or HTTP status. */
function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; status?: unknown } | undefined;
  return e?.code === 5 || e?.code === 404 || e?.status === 404;
}

export function createComputeObserver(options: ComputeObserverOptions = {}): FleetObserver {
  let zonal: InstanceGroupManagersClient | undefined;
  let regional: RegionInstanceGroupManagersClient | undefined;
  const timeout = options.timeoutMs ?? 30_000;
  return {
    async observe(migSelfLink: string, opts: DeployOptions = {}): Promise<MigObservation> {
      opts.signal?.throwIfAborted();
      const at = parseMigSelfLink(migSelfLink);
      // autoPaginate reads every page. Transient failures are retried by the deployer's policy
      // (retry.ts), which also logs them; the client's own retries are off so the two don't multiply.
      const call = { timeout, retry: null, autoPaginate: true };
      const listing = at.zone
        ? (zonal ??= new InstanceGroupManagersClient(options.clientOptions)).listManagedInstances({ project: at.project, zone: at.zone, instanceGroupManager: at.name }, call)
        : (regional ??= new RegionInstanceGroupManagersClient(options.clientOptions)).listManagedInstances({ project: at.project, region: at.region!, instanceGroupManager: at.name }, call);
      try {
        const [instances] = await abortable(listing, opts.signal);
        return summarizeManagedInstances(instances);
      } catch (error) {
        // The outputs still name a group that is gone (deleted by hand, or by an update that
        // failed half way): it holds nothing, and the next update's refresh reconciles the stack.
        if (isNotFound(error)) return GONE;
        throw error;
      }
    },
    async close(): Promise<void> {
      await Promise.all([zonal?.close(), regional?.close()]);
    },
  };
}

/** Rejects when `signal` aborts, whatever the call is doing. */
function abortable<T>(call: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return call;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
