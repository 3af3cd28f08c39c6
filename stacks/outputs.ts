/**
 * Reads the fleet state back from stack outputs (what `up` returned or `stack.outputs()`),
 * so the planner never guesses what exists. Pure; validates with a JSON schema and names the
 * output key of the first malformed value.
 */
import Ajv from 'ajv';
import type { FleetState, GenerationStatus } from '../automation/fleet-plan';
import { inputError } from '../automation/errors';
import { describeAjvError } from './plan-check';
import { FLEET_OUTPUT_KEY, type FleetOutput } from './output-types';

const generationOutputSchema = {
  type: 'object',
  required: ['name', 'role', 'state', 'placementId', 'running', 'suspended', 'stopped', 'weight', 'since'],
  properties: {
    name: { type: 'string', minLength: 1 },
    role: { enum: ['primary', 'shadow'] },
    state: { enum: ['standby', 'warming', 'active', 'draining'] },
    placementId: { type: 'string', minLength: 1 },
    running: { type: 'integer', minimum: 0 },
    suspended: { type: 'integer', minimum: 0 },
    stopped: { type: 'integer', minimum: 0 },
    weight: { type: 'integer', minimum: 0, maximum: 1000 },
    since: { type: 'string', minLength: 1 },
    templateVersion: { type: 'string', minLength: 1 },
    observedRunning: { type: 'integer', minimum: 0 },
    stable: { type: 'boolean' },
    migSelfLink: { type: 'string', minLength: 1 },
  },
} as const;

const fleetOutputSchema = {
  type: 'object',
  required: ['version', 'workloads'],
  properties: {
    version: { const: 1 },
    planCreatedAt: { type: 'string' },
    workloads: {
      type: 'array',
      items: {
        type: 'object',
        required: ['workload', 'generations'],
        properties: {
          workload: { type: 'string', minLength: 1 },
          urlMap: { type: 'string' },
          generations: { type: 'array', items: generationOutputSchema },
        },
      },
    },
  },
} as const;

const validateFleetOutput = new Ajv({ strict: true }).compile(fleetOutputSchema);

/** Automation API OutputMap entries are {value, secret?}; raw values (e.g. from mocks) pass through. */
function unwrapOutputValue(v: unknown): unknown {
  if (v && typeof v === 'object' && 'value' in v && Object.keys(v).every((k) => k === 'value' || k === 'secret')) return (v as { value: unknown }).value;
  return v;
}

/**
 * The fleet as the stack last left it. `running` is the MIG's reported size when the outputs
 * carry it (after a refresh), else the plan's floor; `healthy` is the MIG's isStable status and
 * false when unknown, so traffic never moves on a guess. Both are as of the last update: the
 * deployer overlays the live instances and health read through `migSelfLink` (FleetObserver).
 */
export function fleetStateFromOutputs(outputs: Record<string, unknown>, observedAt: string): FleetState {
  if (!(FLEET_OUTPUT_KEY in outputs)) {
    throw inputError('outputs.missing', { field: `outputs.${FLEET_OUTPUT_KEY}` }, `stack has no "${FLEET_OUTPUT_KEY}" output; was it deployed by the shadowscale fleet program?`);
  }
  const value = unwrapOutputValue(outputs[FLEET_OUTPUT_KEY]);
  if (!validateFleetOutput(value)) {
    const { field, expected } = describeAjvError(validateFleetOutput.errors![0], `outputs.${FLEET_OUTPUT_KEY}`);
    throw inputError('outputs.invalid', { field }, expected);
  }
  const fleet = value as unknown as FleetOutput;
  return {
    observedAt,
    workloads: fleet.workloads.map((w) => ({
      workload: w.workload,
      generations: w.generations.map((g): GenerationStatus => ({
        name: g.name,
        role: g.role as GenerationStatus['role'],
        state: g.state as GenerationStatus['state'],
        placementId: g.placementId,
        running: g.observedRunning ?? g.running,
        plannedRunning: g.running,
        suspended: g.suspended,
        stopped: g.stopped,
        weight: g.weight,
        healthy: g.stable === true,
        since: g.since,
        ...(g.templateVersion !== undefined ? { templateVersion: g.templateVersion } : {}),
        ...(g.migSelfLink !== undefined ? { migSelfLink: g.migSelfLink } : {}),
      })),
    })),
  };
}
