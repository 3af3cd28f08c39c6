/**
 * The fleet stack program: a pure function of a FleetPlan. Importing this module declares
 * nothing; calling fleetProgram(plan) returns the PulumiFn that the Automation API (inline),
 * the CLI entry (stacks/index.ts) and the offline preview all run.
 */
import * as pulumi from '@pulumi/pulumi';
import type { PulumiFn } from '@pulumi/pulumi/automation';
import type { FleetPlan } from '../automation/fleet-plan';
import { checkFleetPlan } from './plan-check';
import { inputError } from '../automation/errors';
import { WorkloadFleet, type WorkloadOptions } from './components/workload';
import { FLEET_OUTPUT_KEY, type FleetOutput } from './output-types';
import { MAX_VM_WARMUP_SEC } from '../automation/config-types';

export interface FleetProgramOptions {
  /** VPC network for the VMs. Default "default". */
  network?: string;
  /** Seconds a new VM needs before it serves (autohealing grace and standby pool warm-up). Default 120. */
  vmWarmupSec?: number;
  vmServiceAccountEmail?: string;
  /** Create a target HTTP proxy and a global forwarding rule per workload. Default true. */
  frontend?: boolean;
  labels?: Record<string, string>;
}

export function resolveProgramOptions(opts: FleetProgramOptions = {}): WorkloadOptions {
  const vmWarmupSec = opts.vmWarmupSec ?? 120;
  if (!Number.isInteger(vmWarmupSec) || vmWarmupSec < 0 || vmWarmupSec > MAX_VM_WARMUP_SEC) {
    throw inputError('program.options', { field: 'vmWarmupSec' }, `must be an integer 0..${MAX_VM_WARMUP_SEC}, got ${vmWarmupSec}`);
  }
  return {
    network: opts.network ?? 'default',
    vmWarmupSec,
    vmServiceAccountEmail: opts.vmServiceAccountEmail,
    frontend: opts.frontend ?? true,
    labels: opts.labels ?? {},
  };
}

export function fleetProgram(plan: FleetPlan, opts?: FleetProgramOptions): PulumiFn {
  // Check eagerly so a bad plan fails before any engine or mock is involved.
  checkFleetPlan(plan);
  const workloadOptions = resolveProgramOptions(opts);
  return async () => {
    const fleets = plan.workloads.map((w) => new WorkloadFleet(w, workloadOptions));
    const fleet: pulumi.Output<FleetOutput> = pulumi.output({
      version: 1 as const,
      planCreatedAt: plan.createdAt,
      workloads: fleets.map((f) => f.outputs),
    });
    return { [FLEET_OUTPUT_KEY]: fleet };
  };
}
