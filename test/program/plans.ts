/**
 * Builders for representative FleetPlans used by the program tests. Each test states the
 * fleet it needs in a few overrides; nothing here is read from real traces.
 */
import type { FleetPlan, GenerationPlan, Placement, WorkloadPlan } from '../../automation/fleet-plan';

export const zonalPlacement = (zone = 'us-central1-a', machineType = 'n2-standard-4'): Placement => ({
  id: `${zone}/${machineType}`,
  zone,
  region: zone.replace(/-[a-z]$/, ''),
  machineType,
  pricePerHour: 0.19,
  suspendedPricePerHour: 0.015,
  stoppedPricePerHour: 0.008,
});

export const regionalPlacement = (region = 'us-east1', machineType = 'e2-standard-4'): Placement => ({
  id: `${region}/${machineType}`,
  region,
  machineType,
  pricePerHour: 0.13,
  suspendedPricePerHour: 0.01,
  stoppedPricePerHour: 0.005,
});

export function generation(overrides: Partial<GenerationPlan> & Pick<GenerationPlan, 'name'>): GenerationPlan {
  const placement = overrides.placement ?? zonalPlacement();
  return {
    role: 'primary',
    state: 'active',
    placement,
    instanceTemplate: { machineType: placement.machineType, image: 'projects/debian-cloud/global/images/family/debian-12', startupScript: '#!/bin/sh\nsystemctl start app', version: 'v1' },
    minReplicas: 2,
    maxReplicas: 20,
    targetUtilization: 0.6,
    running: 3,
    suspended: 0,
    stopped: 0,
    scalingSchedules: [],
    weight: 1000,
    mirror: false,
    since: '2025-11-20T10:00:00Z',
    ...overrides,
  };
}

export function workload(generations: GenerationPlan[], overrides: Partial<WorkloadPlan> = {}): WorkloadPlan {
  return { workload: 'web', project: 'acme-prod', region: 'us-central1', port: 8080, healthCheckPath: '/healthz', generations, ...overrides };
}

export function fleet(...workloads: WorkloadPlan[]): FleetPlan {
  return { version: 1, createdAt: '2025-11-24T12:00:00Z', workloads };
}

/** web-g1 serves everything. */
export const primaryOnly = (): FleetPlan => fleet(workload([generation({ name: 'web-g1' })]));

/** web-g1 serves; web-g2 is a standby shadow in another zone: suspended pool, weight 0, a scheduled floor. */
export const withStandbyShadow = (suspended = 4): FleetPlan => fleet(workload([
  generation({ name: 'web-g1' }),
  generation({
    name: 'web-g2', role: 'shadow', state: 'standby', placement: zonalPlacement('us-central1-b'),
    minReplicas: 0, running: 0, suspended, stopped: 2, weight: 0,
    scalingSchedules: [{ name: 'black-friday', minRequiredReplicas: 6, schedule: '30 13 28 11 *', durationSec: 7200, timeZone: 'America/New_York' }],
  }),
]));

/** web-g2 is warming: a few VMs running, 2 % of traffic, and the primary's requests mirrored to it. */
export const warmingWithMirror = (): FleetPlan => fleet(workload([
  generation({ name: 'web-g1', weight: 980 }),
  generation({ name: 'web-g2', role: 'shadow', state: 'warming', placement: zonalPlacement('us-central1-b'), minReplicas: 0, running: 2, suspended: 2, weight: 20, mirror: true }),
]));

/** After promotion: web-g2 is the primary at full weight; web-g1 drains at weight 0. */
export const promoted = (): FleetPlan => fleet(workload([
  generation({ name: 'web-g1', role: 'shadow', state: 'draining', minReplicas: 0, running: 0, weight: 0 }),
  generation({ name: 'web-g2', role: 'primary', state: 'active', placement: zonalPlacement('us-central1-b'), minReplicas: 2, running: 3, suspended: 2, weight: 1000 }),
]));

/** The same as warmingWithMirror but with the shadow placed in a regional MIG. */
export const regionalShadow = (): FleetPlan => fleet(workload([
  generation({ name: 'web-g1', weight: 950 }),
  generation({ name: 'web-g3', role: 'shadow', state: 'warming', placement: regionalPlacement('us-central1'), minReplicas: 0, running: 1, suspended: 3, weight: 50 }),
]));
