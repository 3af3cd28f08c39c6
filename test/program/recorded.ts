/**
 * Lookups over a RecordedRun (what the program registered under Pulumi mocks), failing loudly
 * when a resource the test expects is missing.
 */
import assert from 'node:assert/strict';
import type { RecordedResource, RecordedRun } from '../../automation/adapters/offline-preview';

export const T = {
  stack: 'pulumi:pulumi:Stack',
  workload: 'shadowscale:fleet:Workload',
  healthCheck: 'gcp:compute/healthCheck:HealthCheck',
  template: 'gcp:compute/instanceTemplate:InstanceTemplate',
  zonalMig: 'gcp:compute/instanceGroupManager:InstanceGroupManager',
  regionalMig: 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager',
  zonalAutoscaler: 'gcp:compute/autoscaler:Autoscaler',
  regionalAutoscaler: 'gcp:compute/regionAutoscaler:RegionAutoscaler',
  backend: 'gcp:compute/backendService:BackendService',
  urlMap: 'gcp:compute/uRLMap:URLMap',
  proxy: 'gcp:compute/targetHttpProxy:TargetHttpProxy',
  forwardingRule: 'gcp:compute/globalForwardingRule:GlobalForwardingRule',
} as const;

export function resource(run: RecordedRun, type: string, name: string): RecordedResource {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  assert.ok(found, `expected a ${type} named ${name}; registered: ${run.resources.map((r) => `${r.type}::${r.name}`).join(', ')}`);
  return found;
}

export function ofType(run: RecordedRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** A nested input by dotted path, e.g. "autoscalingPolicy.minReplicas". */
export function input(r: RecordedResource, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v === undefined || v === null ? undefined : (v as Record<string, unknown>)[k]), r.inputs);
}

/** The id the mocks give a resource (used where another resource references it by id). */
export const mockId = (r: RecordedResource): string => `${r.name}-id`;
