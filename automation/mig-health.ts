/**
 * A generation's health from its managed instance group's live instances. Pure: the observation
 * comes from adapters/compute-observer.ts.
 */
import type { GenerationStatus } from './fleet-plan';
import type { MigObservation } from './ports';

/**
 * Whether a generation can be trusted with traffic. Most of its judged running VMs failing their
 * checks is a failure (one bad VM is the autohealer's job). A generation that serves must also
 * have a running VM passing its checks: all stopped, crashed or being recreated is down. One
 * that serves nothing (a standby shadow) is a failover target only while it has something to
 * serve with: a passing VM or a pool to resume.
 */
export function isServingHealthy(weight: number, live: MigObservation): boolean {
  if (live.gone) return false;
  const judged = live.healthyRunning + live.failingRunning;
  if (2 * live.failingRunning > judged) return false;
  if (weight > 0) return live.healthyRunning >= 1;
  return live.healthyRunning >= 1 || live.suspended + live.stopped >= 1;
}

/** A generation as its stack left it, with what its MIG holds and how healthy it is now. */
export function withLiveState(g: GenerationStatus, live: MigObservation): GenerationStatus {
  return { ...g, running: live.running, suspended: live.suspended, stopped: live.stopped, healthy: isServingHealthy(g.weight, live) };
}
