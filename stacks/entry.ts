/**
 * Builds the fleet program from stack config, for the CLI entry (stacks/index.ts). The plan
 * lives in `shadowscale:plan` as JSON; a few static settings have their own keys.
 */
import type { PulumiFn } from '@pulumi/pulumi/automation';
import { inputError } from '../automation/errors';
import { parseFleetPlan } from './plan-check';
import { fleetProgram, type FleetProgramOptions } from './program';

export const CONFIG_NAMESPACE = 'shadowscale';
export const PLAN_CONFIG_KEY = `${CONFIG_NAMESPACE}:plan`;

/** The subset of pulumi.Config this needs, so it can be called with plain data. */
export interface ConfigReader {
  get(key: string): string | undefined;
}

function parseBoolean(value: string | undefined, key: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw inputError('config.invalid', { field: `${CONFIG_NAMESPACE}:${key}` }, `expected true or false, got "${value}"`);
}

function parseInteger(value: string | undefined, key: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw inputError('config.invalid', { field: `${CONFIG_NAMESPACE}:${key}` }, `expected a non-negative integer, got "${value}"`);
  return Number(value);
}

export function programOptionsFromConfig(config: ConfigReader): FleetProgramOptions {
  return {
    network: config.get('network'),
    vmWarmupSec: parseInteger(config.get('vmWarmupSec'), 'vmWarmupSec'),
    vmServiceAccountEmail: config.get('vmServiceAccountEmail'),
    frontend: parseBoolean(config.get('frontend'), 'frontend'),
  };
}

/** `config` is a pulumi.Config('shadowscale') (keys without the namespace). */
export function programFromConfig(config: ConfigReader): PulumiFn {
  const planJson = config.get('plan');
  if (planJson === undefined) {
    throw inputError('config.missing', { field: PLAN_CONFIG_KEY }, 'stack config has no plan; set it with `pulumi config set shadowscale:plan "$(cat plan.json)"` or run through shadowscale');
  }
  return fleetProgram(parseFleetPlan(planJson, `stack config ${PLAN_CONFIG_KEY}`), programOptionsFromConfig(config));
}
