/**
 * Offline preview: runs the fleet stack program under Pulumi's own mock monitor
 * (`pulumi.runtime.setMocks`), for the current and the next plan, records every resource the
 * program registers (type, name, inputs, parent, dependencies, options), and diffs the two
 * runs. No CLI, no credentials, no cloud: this is what a pull request from a fork gets.
 *
 * It is a model of the engine's diff, not the engine: update vs replace comes from a short
 * table of inputs known to force replacement in the GCP provider, and computed values are
 * the mocks' deterministic stand-ins.
 *
 * Mocks are process-global, so every run sets its own mocks and runs are serialised.
 */
import * as pulumi from '@pulumi/pulumi';
import type { PulumiFn } from '@pulumi/pulumi/automation';
import type { FleetPlan } from '../fleet-plan';
import type { PreviewResult } from '../ports';
import { ShadowscaleError } from '../errors';
import { fleetProgram, type FleetProgramOptions } from '../../stacks/program';
import { WORKLOAD_COMPONENT_TYPE } from '../../stacks/components/workload';

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** URN of the parent ('' for the stack itself). */
  parent: string;
  inputs: Record<string, unknown>;
  /** URNs this resource depends on (from its inputs and dependsOn). */
  dependencies: string[];
  ignoreChanges: string[];
  aliases: unknown[];
  protect: boolean;
}

export interface RecordedRun {
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}

export interface RecordOptions {
  project?: string;
  stack?: string;
}

const STACK_TYPE = 'pulumi:pulumi:Stack';

/** Deterministic stand-ins for values the provider computes, so inputs that use them compare equal across runs. */
function mockState(args: pulumi.runtime.MockResourceArgs, project: string): Record<string, unknown> {
  const inputs = (args.inputs ?? {}) as Record<string, unknown>;
  const name = typeof inputs.name === 'string' ? inputs.name : args.name;
  const kind = args.type.split(':').pop() ?? args.type;
  const gcpProject = typeof inputs.project === 'string' ? inputs.project : project;
  // A MIG's link has the real shape: the live-state reader parses its zone or region from it.
  const where = typeof inputs.zone === 'string' ? `zones/${inputs.zone}` : typeof inputs.region === 'string' ? `regions/${inputs.region}` : undefined;
  const selfLink = /InstanceGroupManager$/.test(args.type) && where
    ? `https://mock.invalid/compute/v1/projects/${gcpProject}/${where}/instanceGroupManagers/${name}`
    : `https://mock.invalid/projects/${gcpProject}/${kind}/${name}`;
  const state: Record<string, unknown> = { ...inputs, name, selfLink, selfLinkUnique: `${selfLink}?uniqueId=0` };
  if (/InstanceGroupManager$/.test(args.type)) state.instanceGroup = `${selfLink}/instanceGroup`;
  if (args.type === 'gcp:serviceaccount/account:Account') {
    const accountId = typeof inputs.accountId === 'string' ? inputs.accountId : args.name;
    state.email = `${accountId}@${gcpProject}.iam.gserviceaccount.com`;
    state.member = `serviceAccount:${state.email}`;
  }
  return state;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getAliasesList(): { toObject(): unknown }[];
  getProtect(): boolean;
}

interface MockMonitorLike {
  registerResource(req: RegisterRequest, callback: (err: unknown, response: unknown) => void): Promise<void>;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `program` under Pulumi mocks and returns what it registered. Runs are serialised in this process. */
export function recordProgram(program: PulumiFn, opts: RecordOptions = {}): Promise<RecordedRun> {
  const run = queue.then(() => recordNow(program, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function recordNow(program: PulumiFn, opts: RecordOptions): Promise<RecordedRun> {
  const project = opts.project ?? 'shadowscale';
  const stack = opts.stack ?? 'offline';
  const byUrn = new Map<string, RecordedResource>();
  const inputsByKey = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      inputsByKey.set(`${args.type}::${args.name}`, (args.inputs ?? {}) as Record<string, unknown>);
      return { id: `${args.name}-id`, state: mockState(args, project) };
    },
    call: (args) => args.inputs as Record<string, unknown>,
  }, project, stack, false);

  // The mock API hands newResource no parent, dependencies or options; the monitor's request has them.
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike | undefined;
  if (!monitor || typeof monitor.registerResource !== 'function') {
    throw new ShadowscaleError('internal', 'preview.mocks', 'Pulumi mock monitor is not available; is exactly one copy of @pulumi/pulumi installed?');
  }
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => register(req, (err, response) => {
    if (!err) {
      const urn = (response as { getUrn(): string }).getUrn();
      byUrn.set(urn, {
        urn,
        type: req.getType(),
        name: req.getName(),
        custom: req.getCustom(),
        parent: req.getParent(),
        inputs: inputsByKey.get(`${req.getType()}::${req.getName()}`) ?? {},
        dependencies: [...req.getDependenciesList()].sort(),
        ignoreChanges: [...req.getIgnorechangesList()],
        aliases: req.getAliasesList().map((a) => a.toObject()),
        protect: req.getProtect(),
      });
    }
    callback(err, response);
  });

  const outputs = (await pulumi.runtime.runInPulumiStack(async () => program())) ?? {};
  await waitForRegistrations();
  return { resources: [...byUrn.values()], outputs: outputs as Record<string, unknown> };
}

/** Resources whose inputs are still resolving register after the program returns; wait for the SDK's RPC queue to drain. */
async function waitForRegistrations(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== 'function') {
    throw new ShadowscaleError('internal', 'preview.sdk', '@pulumi/pulumi no longer exposes runtime.waitForRPCs; the offline preview needs updating for this SDK version');
  }
  await runtime.waitForRPCs();
}

export type ChangeOp = PreviewResult['changes'][number]['op'];

/** Inputs whose change makes the GCP provider replace rather than update (ForceNew in the provider schema). */
const REPLACE_KEYS_ALL = new Set(['name', 'project', 'zone', 'region', 'location']);
const REPLACE_KEYS_BY_TYPE: Record<string, Set<string> | 'all'> = {
  'gcp:compute/instanceTemplate:InstanceTemplate': 'all',
  'gcp:compute/instanceGroupManager:InstanceGroupManager': new Set(['baseInstanceName']),
  'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager': new Set(['baseInstanceName']),
};

/** Leaf paths of a JSON value: {"a":{"b":[1]}} -> {"a.b[0]": 1}. */
export function flattenInputs(value: unknown, prefix = '', into: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(prefix, '[]');
    value.forEach((v, i) => flattenInputs(v, `${prefix}[${i}]`, into));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0 && prefix) into.set(prefix, '{}');
    for (const k of keys) flattenInputs((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, into);
  } else if (value !== undefined) {
    into.set(prefix, value);
  }
  return into;
}

function show(v: unknown): string {
  if (v === undefined) return '∅';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export interface InputChange {
  path: string;
  before: unknown;
  after: unknown;
}

export function diffInputs(before: Record<string, unknown>, after: Record<string, unknown>): InputChange[] {
  const a = flattenInputs(before);
  const b = flattenInputs(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths.filter((p) => a.get(p) !== b.get(p)).map((p) => ({ path: p, before: a.get(p), after: b.get(p) }));
}

function forcesReplacement(type: string, changes: InputChange[]): boolean {
  const rule = REPLACE_KEYS_BY_TYPE[type];
  if (rule === 'all') return changes.length > 0;
  return changes.some((c) => {
    const top = c.path.split(/[.[]/)[0];
    return REPLACE_KEYS_ALL.has(top) || (rule !== undefined && rule.has(top));
  });
}

/** The workload a resource belongs to: the name of the nearest Workload component up its parent chain. */
function workloadOf(r: RecordedResource, byUrn: Map<string, RecordedResource>): string {
  for (let cur: RecordedResource | undefined = r; cur; cur = byUrn.get(cur.parent)) {
    if (cur.type === WORKLOAD_COMPONENT_TYPE) return cur.name;
  }
  return '';
}

/** Compares two recorded runs resource by resource (by URN). */
export function diffRuns(before: RecordedRun | undefined, after: RecordedRun): PreviewResult['changes'] {
  const old = new Map((before?.resources ?? []).map((r) => [r.urn, r]));
  const neu = new Map(after.resources.map((r) => [r.urn, r]));
  const changes: PreviewResult['changes'] = [];
  for (const r of neu.values()) {
    if (r.type === STACK_TYPE) continue;
    const prev = old.get(r.urn);
    const workload = workloadOf(r, neu);
    if (!prev) {
      changes.push({ workload, resource: r.name, type: r.type, op: 'create' });
      continue;
    }
    const diff = diffInputs(prev.inputs, r.inputs).filter((c) => !r.ignoreChanges.includes(c.path.split(/[.[]/)[0]));
    if (diff.length === 0) {
      changes.push({ workload, resource: r.name, type: r.type, op: 'same' });
      continue;
    }
    const detail = diff.map((c) => `${c.path} ${show(c.before)}→${show(c.after)}`).join('; ');
    changes.push({ workload, resource: r.name, type: r.type, op: forcesReplacement(r.type, diff) ? 'replace' : 'update', detail });
  }
  for (const r of old.values()) {
    if (r.type === STACK_TYPE || neu.has(r.urn)) continue;
    changes.push({ workload: workloadOf(r, old), resource: r.name, type: r.type, op: 'delete' });
  }
  const order: Record<ChangeOp, number> = { create: 0, replace: 1, update: 2, delete: 3, same: 4 };
  return changes.sort((x, y) => x.workload.localeCompare(y.workload) || order[x.op] - order[y.op] || x.resource.localeCompare(y.resource));
}

export interface OfflinePreviewOptions extends RecordOptions {
  program?: FleetProgramOptions;
  /** The options `current` was deployed with, when they differ (a PR that changes them). */
  currentProgram?: FleetProgramOptions;
}

/** Preview of `next` against `current` (undefined: nothing deployed yet) under mocks. */
export async function offlinePreview(current: FleetPlan | undefined, next: FleetPlan, opts: OfflinePreviewOptions = {}): Promise<PreviewResult> {
  // Build both programs first so an invalid plan fails before any mock run.
  const nextProgram = fleetProgram(next, opts.program);
  const currentProgram = current ? fleetProgram(current, opts.currentProgram ?? opts.program) : undefined;
  const before = currentProgram ? await recordProgram(currentProgram, opts) : undefined;
  const after = await recordProgram(nextProgram, opts);
  const changes = diffRuns(before, after);
  const counts = new Map<ChangeOp, number>();
  for (const c of changes) counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
  const summary = (['create', 'update', 'replace', 'delete', 'same'] as const).map((op) => `${counts.get(op) ?? 0} to ${op}`).join(', ');
  return { changes, log: `offline preview (Pulumi mocks, no cloud): ${summary}` };
}
