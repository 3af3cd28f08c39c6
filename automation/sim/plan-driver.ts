/**
 * Between a FleetPlan and the simulated fleet: what GCP would be told (autoscaler bounds,
 * schedules, pool targets, URL-map weights), and what it would report back. Pure.
 */
import { plannedStatus, type GenerationStatus, type WorkloadPlan, type WorkloadStatus } from '../fleet-plan';
import { scheduleWindow } from '../planner/schedules';
import type { MigSettings, SimFleet } from './fleet';

export function settingsFromPlan(wp: WorkloadPlan, createdAtMs: number): MigSettings[] {
  return wp.generations.map((g) => ({
    name: g.name,
    autoscale: true,
    targetUtilization: g.targetUtilization,
    minReplicas: g.minReplicas,
    maxReplicas: g.maxReplicas,
    schedules: g.scalingSchedules.map((s) => scheduleWindow(s, createdAtMs)),
    suspended: g.suspended,
    stopped: g.stopped,
    weight: g.weight,
  }));
}

/** The fleet as stack outputs would report it: roles and states from the last plan, counts from the MIGs. */
export function statusFromFleet(workload: string, fleet: SimFleet, lastPlan: WorkloadPlan | undefined, tMs: number): WorkloadStatus {
  const generations: GenerationStatus[] = [];
  for (const [name, mig] of fleet.migs) {
    const g = lastPlan?.generations.find((x) => x.name === name);
    // Roles, states and template from the last plan; counts and health from the simulated MIG.
    const planned = g ? plannedStatus(g) : { name, role: 'primary' as const, state: 'active' as const, placementId: 'sim', since: new Date(tMs).toISOString() };
    generations.push({
      ...planned,
      running: mig.readyCount(tMs),
      ...(g ? { plannedRunning: g.running } : {}),
      suspended: mig.suspended,
      stopped: mig.stopped,
      weight: mig.settings.weight,
      healthy: mig.healthy,
    });
  }
  generations.sort((a, b) => a.name.localeCompare(b.name));
  return { workload, generations };
}
