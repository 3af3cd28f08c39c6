/**
 * The shape of the fleet stack's outputs: written by stacks/program.ts, read back by
 * stacks/outputs.ts. Kept free of Pulumi imports so readers stay light.
 */

import type { PlannedStatus } from '../automation/fleet-plan';

/** The stack output key holding the fleet. */
export const FLEET_OUTPUT_KEY = 'fleet';

/** What the stack exports per generation: the planned fields (running is the plan's floor) and what the MIG reports. */
export interface GenerationOutput extends PlannedStatus {
  /** Running size the MIG reports (the autoscaler's), when known. */
  observedRunning?: number;
  /** MIG status isStable, when known. */
  stable?: boolean;
  /** The MIG's self link: where the live state (instances, health) is read between updates. */
  migSelfLink?: string;
}

export interface WorkloadOutput {
  workload: string;
  urlMap: string;
  generations: GenerationOutput[];
}

export interface FleetOutput {
  version: 1;
  planCreatedAt: string;
  workloads: WorkloadOutput[];
}
