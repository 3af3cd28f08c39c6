/**
 * The stack program's own guard on a FleetPlan: the JSON schema of the contract (for a plan
 * read from stack config) and the invariants GCP would otherwise reject half-way through an
 * update (weights, names, bounds). Pure; throws ShadowscaleError naming the offending field.
 */
import Ajv, { type ErrorObject } from 'ajv';
import type { FleetPlan, GenerationPlan, WorkloadPlan } from '../automation/fleet-plan';
import { inputError, ShadowscaleError } from '../automation/errors';

/** GCE resource names: RFC1035 label, at most 63 characters. */
const GCE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const GCE_NAME_MAX = 63;
/** Longest suffix the program appends to a generation's base name ("-" + 8 hex of the template hash). */
export const LONGEST_NAME_SUFFIX = 9;
/** Autoscaler API limits (compute v1 AutoscalingPolicy). */
const MAX_SCALING_SCHEDULES = 128;
const MIN_SCHEDULE_DURATION_SEC = 300;

const scheduleSchema = {
  type: 'object',
  required: ['name', 'minRequiredReplicas', 'schedule', 'durationSec', 'timeZone'],
  properties: {
    name: { type: 'string', minLength: 1 },
    minRequiredReplicas: { type: 'integer', minimum: 0 },
    schedule: { type: 'string', minLength: 1 },
    durationSec: { type: 'integer', minimum: MIN_SCHEDULE_DURATION_SEC },
    timeZone: { type: 'string', minLength: 1 },
    description: { type: 'string' },
  },
} as const;

const generationSchema = {
  type: 'object',
  required: ['name', 'role', 'state', 'placement', 'instanceTemplate', 'minReplicas', 'maxReplicas', 'targetUtilization', 'running', 'suspended', 'stopped', 'scalingSchedules', 'weight', 'mirror', 'since'],
  properties: {
    name: { type: 'string', minLength: 1 },
    role: { enum: ['primary', 'shadow'] },
    state: { enum: ['standby', 'warming', 'active', 'draining'] },
    placement: {
      type: 'object',
      required: ['id', 'region', 'machineType', 'pricePerHour', 'suspendedPricePerHour', 'stoppedPricePerHour'],
      properties: {
        id: { type: 'string', minLength: 1 },
        zone: { type: 'string', minLength: 1 },
        region: { type: 'string', minLength: 1 },
        machineType: { type: 'string', minLength: 1 },
        pricePerHour: { type: 'number', minimum: 0 },
        suspendedPricePerHour: { type: 'number', minimum: 0 },
        stoppedPricePerHour: { type: 'number', minimum: 0 },
        quotaVms: { type: 'integer', minimum: 0 },
      },
    },
    instanceTemplate: {
      type: 'object',
      required: ['machineType', 'image', 'version'],
      properties: {
        machineType: { type: 'string', minLength: 1 },
        image: { type: 'string', minLength: 1 },
        startupScript: { type: 'string' },
        version: { type: 'string', minLength: 1 },
      },
    },
    minReplicas: { type: 'integer', minimum: 0 },
    maxReplicas: { type: 'integer', minimum: 1 },
    targetUtilization: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    running: { type: 'integer', minimum: 0 },
    suspended: { type: 'integer', minimum: 0 },
    stopped: { type: 'integer', minimum: 0 },
    scalingSchedules: { type: 'array', maxItems: MAX_SCALING_SCHEDULES, items: scheduleSchema },
    weight: { type: 'integer', minimum: 0, maximum: 1000 },
    mirror: { type: 'boolean' },
    since: { type: 'string', minLength: 1 },
  },
} as const;

export const fleetPlanSchema = {
  type: 'object',
  required: ['version', 'createdAt', 'workloads'],
  properties: {
    version: { const: 1 },
    createdAt: { type: 'string', minLength: 1 },
    workloads: {
      type: 'array',
      items: {
        type: 'object',
        required: ['workload', 'region', 'port', 'healthCheckPath', 'generations'],
        properties: {
          workload: { type: 'string', minLength: 1 },
          project: { type: 'string', minLength: 1 },
          region: { type: 'string', minLength: 1 },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          healthCheckPath: { type: 'string', pattern: '^/' },
          generations: { type: 'array', minItems: 1, items: generationSchema },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: false, strict: true });
const validatePlanShape = ajv.compile(fleetPlanSchema);

/** "/workloads/0/generations/1/weight" -> "workloads[0].generations[1].weight" */
export function jsonPointerToPath(pointer: string, root: string): string {
  let path = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : `${path ? '.' : ''}${key}`;
  }
  return path;
}

export function describeAjvError(err: ErrorObject, root: string): { field: string; expected: string } {
  const missing = err.keyword === 'required' ? `.${String((err.params as { missingProperty: string }).missingProperty)}` : '';
  const field = jsonPointerToPath(err.instancePath, root) + missing;
  const expected = err.keyword === 'required' ? 'is required' : err.keyword === 'enum' ? `must be one of ${JSON.stringify((err.params as { allowedValues: unknown[] }).allowedValues)}` : err.message ?? 'is invalid';
  return { field, expected };
}

/** Parse the plan JSON kept in stack config; `source` names where it came from. */
export function parseFleetPlan(json: string, source: string): FleetPlan {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw inputError('plan.json', { file: source }, `expected a FleetPlan as JSON (${(err as Error).message})`);
  }
  if (!validatePlanShape(value)) {
    const { field, expected } = describeAjvError(validatePlanShape.errors![0], 'plan');
    throw inputError('plan.schema', { file: source, field }, expected);
  }
  const plan = value as unknown as FleetPlan;
  checkFleetPlan(plan);
  return plan;
}

function planError(field: string, expected: string): ShadowscaleError {
  return inputError('plan.invalid', { field }, expected);
}

/** Base for every GCE name of a generation: the generation name, prefixed by the workload unless it already is. */
export function generationBaseName(workload: string, generation: string): string {
  return generation === workload || generation.startsWith(`${workload}-`) ? generation : `${workload}-${generation}`;
}

function checkName(name: string, field: string, reserve: number): void {
  if (!GCE_NAME.test(name) || name.length > GCE_NAME_MAX - reserve) {
    throw planError(field, `"${name}" must be lowercase letters, digits and hyphens, start with a letter, not end with a hyphen, and be at most ${GCE_NAME_MAX - reserve} characters (GCE names derive from it)`);
  }
}

function checkGeneration(w: WorkloadPlan, g: GenerationPlan, at: string): void {
  checkName(generationBaseName(w.workload, g.name), `${at}.name`, LONGEST_NAME_SUFFIX);
  if (g.instanceTemplate.machineType !== g.placement.machineType) {
    throw planError(`${at}.instanceTemplate.machineType`, `"${g.instanceTemplate.machineType}" must equal placement.machineType "${g.placement.machineType}"`);
  }
  if (g.minReplicas > g.maxReplicas) throw planError(`${at}.minReplicas`, `${g.minReplicas} must be <= maxReplicas ${g.maxReplicas}`);
  if (g.running > g.maxReplicas) throw planError(`${at}.running`, `floor ${g.running} must be <= maxReplicas ${g.maxReplicas} (the autoscaler cannot hold more)`);
  if (!(g.targetUtilization > 0 && g.targetUtilization <= 1)) throw planError(`${at}.targetUtilization`, `${g.targetUtilization} must be in (0, 1]`);
  if (!Number.isInteger(g.weight) || g.weight < 0 || g.weight > 1000) throw planError(`${at}.weight`, `${g.weight} must be an integer 0..1000`);
  for (const key of ['running', 'suspended', 'stopped', 'minReplicas'] as const) {
    if (!Number.isInteger(g[key]) || g[key] < 0) throw planError(`${at}.${key}`, `${g[key]} must be a non-negative integer`);
  }
  if (g.placement.zone !== undefined && !g.placement.zone.startsWith(`${g.placement.region}-`)) {
    throw planError(`${at}.placement.zone`, `"${g.placement.zone}" must be a zone of region "${g.placement.region}"`);
  }
  if (g.scalingSchedules.length > MAX_SCALING_SCHEDULES) throw planError(`${at}.scalingSchedules`, `at most ${MAX_SCALING_SCHEDULES} schedules (autoscaler limit), got ${g.scalingSchedules.length}`);
  const scheduleNames = new Set<string>();
  g.scalingSchedules.forEach((s, k) => {
    if (scheduleNames.has(s.name)) throw planError(`${at}.scalingSchedules[${k}].name`, `"${s.name}" is used twice; schedule names must be unique`);
    scheduleNames.add(s.name);
    if (s.durationSec < MIN_SCHEDULE_DURATION_SEC) throw planError(`${at}.scalingSchedules[${k}].durationSec`, `${s.durationSec} must be >= ${MIN_SCHEDULE_DURATION_SEC}`);
    if (s.minRequiredReplicas > g.maxReplicas) throw planError(`${at}.scalingSchedules[${k}].minRequiredReplicas`, `${s.minRequiredReplicas} must be <= maxReplicas ${g.maxReplicas}`);
  });
}

/** Invariants of a plan the program can deploy; throws naming the first bad field. */
export function checkFleetPlan(plan: FleetPlan): void {
  const workloads = new Set<string>();
  const baseNames = new Map<string, string>();
  plan.workloads.forEach((w, i) => {
    const wAt = `plan.workloads[${i}]`;
    checkName(w.workload, `${wAt}.workload`, '-urlmap'.length);
    if (workloads.has(w.workload)) throw planError(`${wAt}.workload`, `"${w.workload}" appears twice; workload names must be unique`);
    workloads.add(w.workload);
    if (w.generations.length === 0) throw planError(`${wAt}.generations`, 'at least one generation is required');
    let total = 0;
    let mirrors = 0;
    w.generations.forEach((g, j) => {
      const at = `${wAt}.generations[${j}]`;
      checkGeneration(w, g, at);
      const base = generationBaseName(w.workload, g.name);
      const clash = baseNames.get(base);
      if (clash) throw planError(`${at}.name`, `"${g.name}" gives GCE names "${base}-*" that ${clash} already uses`);
      baseNames.set(base, at);
      total += g.weight;
      if (g.mirror && g.state === 'warming') mirrors += 1;
    });
    if (total !== 1000) throw planError(`${wAt}.generations[*].weight`, `weights must sum to 1000, got ${total}`);
    if (mirrors > 1) throw planError(`${wAt}.generations[*].mirror`, `at most one warming generation can be mirrored (a URL map has one requestMirrorPolicy), got ${mirrors}`);
  });
}
