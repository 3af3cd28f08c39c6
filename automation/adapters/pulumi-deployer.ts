/**
 * The Pulumi Automation API deployer: one stack per workload (`<stackPrefix>-<workload>`), the
 * stack program built from that workload's plan, fleet state read back from stack outputs.
 *
 * This is the only file that touches `@pulumi/pulumi/automation`, and it loads it lazily
 * inside `localWorkspaceDriver`: importing `@pulumi/pulumi` snapshots PULUMI_CONFIG, so
 * loading it as a side effect of importing this module would break program tests that set
 * config first (pulumi.md §2.2).
 *
 * The decisions (stack names, which events are changes, when a lock may be cancelled, when a
 * refresh must come first) are pure functions below; `PulumiDeployer` strings them together
 * over the small `StackDriver` interface, which a fake implements in tests.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Automation from '@pulumi/pulumi/automation';
import type { EngineEvent, LocalWorkspaceOptions, PulumiFn, Stack } from '@pulumi/pulumi/automation';
import type { FleetPlan, FleetState, GenerationStatus, WorkloadStatus } from '../fleet-plan';
import type { ApplyResult, Clock, DeployOptions, Deployer, EventSink, FleetObserver, PreviewResult } from '../ports';
import { withLiveState } from '../mig-health';
import type { DeployerConfig } from '../config-types';
import { ShadowscaleError, describeError, errorKindOf, inputError, isConcurrentUpdate } from '../errors';
import { mapSettled, type Settled } from '../modes/concurrency';
import { cancelledError, isCancellation, withRetry } from './retry';

export type ResourceChange = PreviewResult['changes'][number];
export type ChangeOp = ResourceChange['op'];

/** Stack outputs as the Automation API returns them. */
export type StackOutputs = Record<string, { value: unknown; secret?: boolean }>;

/** The subset of Pulumi's engine events the deployer reads (structurally `EngineEvent`). */
export interface StepEvent {
  resourcePreEvent?: {
    metadata: {
      op: string;
      urn: string;
      type: string;
      diffs?: string[];
      keys?: string[];
      detailedDiff?: Record<string, { diffKind: string; inputDiff?: boolean }>;
    };
  };
  summaryEvent?: { resourceChanges: Record<string, number> };
}

// ---------------------------------------------------------------------------------------------
// The tiny interface over the workspace calls.

export interface StackCallOptions {
  onEvent: (event: StepEvent) => void;
  signal?: AbortSignal;
}

/** One opened stack. Every call may reject with Pulumi's ConcurrentUpdateError when locked. */
export interface StackSession {
  preview(options: StackCallOptions): Promise<{ stdout: string }>;
  up(options: StackCallOptions): Promise<{ stdout: string; outputs: StackOutputs }>;
  /** Reads the cloud into the state and drops pending creates left by an interrupted update. */
  refresh(options: { signal?: AbortSignal }): Promise<void>;
  /** Removes the stack's update lock(s). Dangerous: only for an owner known to be gone. */
  cancel(): Promise<void>;
}

export interface StackDriver {
  /** Selects the stack, creating it when absent, with the program for `plan` (one workload). */
  open(stackName: string, plan: FleetPlan): Promise<StackSession>;
  /** Outputs of an existing stack; undefined when the stack does not exist yet. */
  outputs(stackName: string, options?: { signal?: AbortSignal }): Promise<StackOutputs | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Pure logic.

const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

/** `<prefix>-<workload>`; Pulumi stack names allow letters, digits, `-`, `_` and `.`. */
export function stackNameFor(prefix: string, workload: string): string {
  const name = `${prefix}-${workload}`;
  if (!STACK_NAME.test(name)) {
    throw inputError('input.stack-name', { field: `deployer.stackPrefix / workloads[${workload}].name` }, `expected letters, digits, "-", "_" or "." so that "${name}" is a valid Pulumi stack name`);
  }
  return name;
}

/** The plan of one workload as a plan of its own: one stack's program input. */
export function planForWorkload(plan: FleetPlan, workload: string): FleetPlan {
  return { version: plan.version, createdAt: plan.createdAt, workloads: plan.workloads.filter((w) => w.workload === workload) };
}

/** Engine ops that change nothing in the cloud are not listed in a preview. */
const OP_MAP: Record<string, ChangeOp | undefined> = {
  same: 'same',
  create: 'create',
  update: 'update',
  delete: 'delete',
  replace: 'replace',
  'create-replacement': 'replace',
  'delete-replaced': 'replace',
  import: 'create',
  'import-replacement': 'replace',
};

/** The last URN segment is the logical name: urn:pulumi:stack::project::type::name. */
export function resourceNameFromUrn(urn: string): string {
  const at = urn.lastIndexOf('::');
  return at >= 0 ? urn.slice(at + 2) : urn;
}

/**
 * Engine step events → the resource changes of one workload. A replacement shows as up to
 * three steps (replace, create-replacement, delete-replaced) on one URN: kept once. The stack
 * and provider resources are bookkeeping, not fleet changes.
 */
export function changesFromEvents(workload: string, events: readonly StepEvent[]): ResourceChange[] {
  const byUrn = new Map<string, ResourceChange>();
  for (const event of events) {
    const meta = event.resourcePreEvent?.metadata;
    if (!meta) continue;
    if (meta.type === 'pulumi:pulumi:Stack' || meta.type.startsWith('pulumi:providers:')) continue;
    const op = OP_MAP[meta.op];
    if (!op) continue;
    const previous = byUrn.get(meta.urn);
    if (previous && previous.op === 'replace' && op === 'replace') continue;
    const change: ResourceChange = { workload, resource: resourceNameFromUrn(meta.urn), type: meta.type, op };
    const detail = diffDetail(meta);
    if (detail) change.detail = detail;
    byUrn.set(meta.urn, change);
  }
  return [...byUrn.values()];
}

function diffDetail(meta: NonNullable<StepEvent['resourcePreEvent']>['metadata']): string | undefined {
  if (meta.detailedDiff && Object.keys(meta.detailedDiff).length > 0) {
    return Object.entries(meta.detailedDiff)
      .map(([path, d]) => (d.diffKind.endsWith('-replace') ? `${path} (forces replacement)` : path))
      .sort()
      .join(', ');
  }
  const keys = meta.diffs ?? [];
  return keys.length ? [...keys].sort().join(', ') : undefined;
}

/** One lock listed in the DIY backend's "the stack is currently locked by" error. */
export interface LockOwner {
  lockUrl: string;
  user: string;
  host: string;
  pid: number;
  createdAt: string;
}

const LOCK_LINE = /^\s*(\S+): created by (.*)@([^@\s]+) \(pid (\d+)\) at (\S+)\s*$/;

/** Parses the owner lines of a DIY backend lock error (pkg/backend/diy/lock.go format). */
export function parseLockOwners(message: string): LockOwner[] {
  const owners: LockOwner[] = [];
  for (const line of message.split('\n')) {
    const m = LOCK_LINE.exec(line);
    if (m) owners.push({ lockUrl: m[1], user: m[2], host: m[3], pid: Number(m[4]), createdAt: m[5] });
  }
  return owners;
}

export interface LockPolicy {
  /** This machine's host name, as Pulumi writes it into the lock. */
  hostname: string;
  /** Whether a process id on this host is running. */
  isPidAlive: (pid: number) => boolean;
  /**
   * Longest a run can live (e.g. the Cloud Run task timeout plus grace). A lock older than
   * this belongs to a process its own time limit has killed. Undefined: never judge by age.
   */
  maxRunMs?: number;
}

export interface LockVerdict {
  cancel: boolean;
  reason: string;
}

/**
 * `pulumi cancel` on a DIY backend deletes every lock of the stack, so it is allowed only when
 * every listed owner is known to be gone: a process on this host that is not running, or a
 * lock older than the longest run can live. Anything unknown waits (the lock is retried).
 */
export function staleLockVerdict(owners: readonly LockOwner[], policy: LockPolicy, now: Date): LockVerdict {
  if (owners.length === 0) return { cancel: false, reason: 'lock owner not listed in the error; waiting for it' };
  const reasons: string[] = [];
  for (const owner of owners) {
    const who = `${owner.user}@${owner.host} pid ${owner.pid} since ${owner.createdAt}`;
    if (owner.host === policy.hostname && !policy.isPidAlive(owner.pid)) {
      reasons.push(`${who}: no such process on this host`);
      continue;
    }
    const created = Date.parse(owner.createdAt);
    if (policy.maxRunMs !== undefined && Number.isFinite(created) && now.getTime() - created > policy.maxRunMs) {
      reasons.push(`${who}: older than the longest run (${Math.round(policy.maxRunMs / 1000)} s)`);
      continue;
    }
    return { cancel: false, reason: `${who} may still be running; waiting for it` };
  }
  return { cancel: true, reason: reasons.join('; ') };
}

export type StackOperation = 'preview' | 'up' | 'refresh';

/**
 * After a failed stack call: an `up` that started and did not finish may have left pending
 * operations, so the next `up` refreshes first. An `up` that never started (the lock was held)
 * left nothing behind.
 */
export function needsRefreshAfterFailure(operation: StackOperation, error: unknown): boolean {
  return operation === 'up' && !isConcurrentUpdate(error);
}

/** Pulumi errors carry the whole CLI output; the first error line is what a person needs. */
export function shortPulumiMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').map((l) => l.trim()).find((l) => /^error:/i.test(l));
  return (line ?? text.split('\n')[0]).slice(0, 500);
}

/** The SDK's "spawn pulumi ENOENT" becomes a config error that says what to do. */
export function explainPulumiError(error: unknown): unknown {
  const text = error instanceof Error ? error.message : String(error);
  if (/ENOENT/.test(text) && /pulumi/.test(text)) {
    return new ShadowscaleError('config', 'deploy.no-cli', 'the pulumi CLI is not on PATH: the Automation API runs it for every stack operation; install it (bake it into the container image, with its plugins under PULUMI_HOME)', {}, { cause: error });
  }
  return error;
}

// ---------------------------------------------------------------------------------------------
// Recovery markers: "this stack's last up did not finish".

export interface RecoveryMarkers {
  pending(stackName: string): Promise<string | undefined>;
  mark(stackName: string, reason: string, at: Date): Promise<void>;
  clear(stackName: string): Promise<void>;
}

/**
 * For a process whose disk does not outlive it (a Cloud Run task: its filesystem is in memory):
 * a marker written there would never reach the next execution, so every update refreshes first.
 */
export class RefreshEveryUp implements RecoveryMarkers {
  async pending(): Promise<string | undefined> {
    return "this process's disk does not keep recovery markers between executions, so every update refreshes first";
  }
  async mark(): Promise<void> {}
  async clear(): Promise<void> {}
}

/** One small JSON file per stack under `dir` (e.g. `.shadowscale/recovery`). */
export class FileRecoveryMarkers implements RecoveryMarkers {
  constructor(private readonly dir: string) {}

  private path(stackName: string): string {
    return join(this.dir, `${stackName}.needs-refresh.json`);
  }

  async pending(stackName: string): Promise<string | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.path(stackName), 'utf8')) as { reason?: unknown; at?: unknown };
      return `${String(parsed.reason ?? 'unknown')} (at ${String(parsed.at ?? '?')})`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // An unreadable marker still means "something went wrong here": refresh to be safe.
      return `marker ${this.path(stackName)} unreadable: ${describeError(error)}`;
    }
  }

  async mark(stackName: string, reason: string, at: Date): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.path(stackName), JSON.stringify({ reason, at: at.toISOString() }) + '\n');
  }

  async clear(stackName: string): Promise<void> {
    await rm(this.path(stackName), { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The deployer.

export interface PulumiDeployerOptions {
  deployer: Pick<DeployerConfig, 'stackPrefix' | 'concurrency' | 'retries'>;
  /** Workloads whose stacks `state()` reads: the shard this process owns, or all (modes/wiring.ts stateWorkloads). */
  workloads: readonly string[];
  driver: StackDriver;
  /** stacks/outputs.ts: the stack's outputs → FleetState (never guessed). */
  fleetStateFromOutputs: (outputs: StackOutputs, observedAt: string) => FleetState;
  /**
   * Live MIG state over the outputs (adapters/compute-observer.ts). Without it the state is as
   * of the last update, which is too old to see a primary fail.
   */
  observer?: FleetObserver;
  clock: Clock;
  sink: EventSink;
  recovery: RecoveryMarkers;
  lockPolicy: LockPolicy;
  /** Back-off between retries; defaults suit real stack locks (seconds). */
  backoff?: { minTimeoutMs: number; maxTimeoutMs: number };
}

export class PulumiDeployer implements Deployer {
  readonly kind = 'pulumi';

  constructor(private readonly options: PulumiDeployerOptions) {}

  async state(options: DeployOptions = {}): Promise<FleetState> {
    const observedAt = this.options.clock.now().toISOString();
    const settled = await mapSettled(this.options.workloads, this.options.deployer.concurrency, async (workload): Promise<WorkloadStatus> => {
      const stackName = stackNameFor(this.options.deployer.stackPrefix, workload);
      const outputs = await this.retrying(stackName, 'outputs', options.signal, () => this.options.driver.outputs(stackName, { signal: options.signal }));
      if (!outputs) return { workload, generations: [] };
      const found = this.options.fleetStateFromOutputs(outputs, observedAt).workloads.find((w) => w.workload === workload);
      if (!found) return { workload, generations: [] };
      const observer = this.options.observer;
      if (!observer) return found;
      const generations: GenerationStatus[] = [];
      for (const g of found.generations) {
        const link = g.migSelfLink;
        if (!link) {
          generations.push(g);
          continue;
        }
        const live = await this.retrying(stackName, 'observe', options.signal, () => observer.observe(link, { signal: options.signal }));
        if (live.gone) this.emit('WARNING', 'deploy.mig-missing', `stack ${stackName}: ${g.name}'s instance group ${link} no longer exists; it counts as empty and unhealthy until the next update reconciles the stack`, { stack: stackName });
        generations.push(withLiveState(g, live));
      }
      return { workload, generations };
    });
    // One unreadable stack must not stop the others: it is reported and left as it is. Only
    // when none could be read (or the tick was cancelled) does the whole read fail.
    const failed = settled.flatMap((r, i) => (r.ok ? [] : [{ workload: this.options.workloads[i]!, error: r.error }]));
    if (failed.length === settled.length || options.signal?.aborted) return { observedAt, workloads: unwrapAll(settled, this.options.workloads, 'read the state of') };
    const workloads = settled.flatMap((r) => (r.ok ? [r.value] : []));
    if (!failed.length) return { observedAt, workloads };
    return { observedAt, workloads, unreadable: failed.map((f) => ({ workload: f.workload, error: shortPulumiMessage(f.error), kind: errorKindOf(f.error) })) };
  }

  async close(): Promise<void> {
    await this.options.observer?.close?.();
  }

  async preview(plan: FleetPlan, options: DeployOptions = {}): Promise<PreviewResult> {
    const settled = await mapSettled(plan.workloads, this.options.deployer.concurrency, async (w) => {
      const events: StepEvent[] = [];
      const result = await this.onStack(w.workload, plan, 'preview', options.signal, (session) =>
        session.preview({ onEvent: (e) => events.push(e), signal: options.signal }),
      );
      return { changes: changesFromEvents(w.workload, events), log: result.stdout };
    });
    const results = unwrapAll(settled, plan.workloads.map((w) => w.workload), 'preview');
    return { changes: results.flatMap((r) => r.changes), log: results.map((r) => r.log).join('\n') };
  }

  async apply(plan: FleetPlan, options: DeployOptions = {}): Promise<ApplyResult> {
    const settled = await mapSettled(plan.workloads, this.options.deployer.concurrency, async (w) => {
      const events: StepEvent[] = [];
      const result = await this.onStack(w.workload, plan, 'up', options.signal, (session) =>
        session.up({ onEvent: (e) => events.push(e), signal: options.signal }),
      );
      const observedAt = this.options.clock.now().toISOString();
      const status = this.options.fleetStateFromOutputs(result.outputs, observedAt).workloads.find((s) => s.workload === w.workload);
      return { status: status ?? { workload: w.workload, generations: [] }, changes: changesFromEvents(w.workload, events) };
    });
    const results = unwrapAll(settled, plan.workloads.map((w) => w.workload), 'apply');
    return {
      state: { observedAt: this.options.clock.now().toISOString(), workloads: results.map((r) => r.status) },
      changes: results.flatMap((r) => r.changes),
    };
  }

  /**
   * One stack call with the recovery rules around it: refresh first when the last `up` did not
   * finish; on a lock, cancel it only when its owners are known to be gone; on abort, leave a
   * refresh for the next run; retry what is retryable.
   */
  private async onStack<T>(workload: string, fullPlan: FleetPlan, operation: 'preview' | 'up', signal: AbortSignal | undefined, call: (session: StackSession) => Promise<T>): Promise<T> {
    const stackName = stackNameFor(this.options.deployer.stackPrefix, workload);
    const plan = planForWorkload(fullPlan, workload);
    const labels = { workload, stack: stackName };
    return this.retrying(stackName, operation, signal, async () => {
      const session = await this.options.driver.open(stackName, plan);
      try {
        if (operation === 'up') {
          const pending = await this.options.recovery.pending(stackName);
          if (pending) {
            this.emit('NOTICE', 'deploy.refresh-before-up', `stack ${stackName}: the last update did not finish (${pending}); refreshing before this update`, labels);
            await session.refresh({ signal });
            await this.options.recovery.clear(stackName);
          }
        }
        return await call(session);
      } catch (error) {
        await this.afterFailure(session, stackName, operation, error, signal, labels);
        throw error;
      }
    });
  }

  private async afterFailure(session: StackSession, stackName: string, operation: StackOperation, error: unknown, signal: AbortSignal | undefined, labels: Record<string, string>): Promise<void> {
    const now = this.options.clock.now();
    if (isConcurrentUpdate(error)) {
      const owners = parseLockOwners(error instanceof Error ? error.message : String(error));
      const verdict = staleLockVerdict(owners, this.options.lockPolicy, now);
      if (verdict.cancel) {
        this.emit('WARNING', 'deploy.stale-lock-cancelled', `stack ${stackName}: cancelling a lock whose owner is gone (${verdict.reason}); the next update refreshes first`, labels);
        // The marker first: whatever the cancel does, the next update must refresh.
        await this.options.recovery.mark(stackName, `stale lock cancelled: ${verdict.reason}`, now);
        await session.cancel().catch((cancelError: unknown) => {
          this.emit('ERROR', 'deploy.cancel-failed', `stack ${stackName}: pulumi cancel failed: ${shortPulumiMessage(cancelError)}`, labels);
        });
      } else {
        this.emit('INFO', 'deploy.locked', `stack ${stackName} is locked: ${verdict.reason}`, labels);
      }
      return;
    }
    if (signal?.aborted && operation === 'up') {
      // The SDK stops the CLI with SIGINT and waits for it: a CLI that stopped releases its own
      // lock. `pulumi cancel` would remove every lock on the stack, another execution's taken a
      // moment ago included; a lock left behind by a CLI that could not stop is the stale-lock
      // policy's to judge, by its owner, at the next update. Pending operations need a refresh.
      this.emit('WARNING', 'deploy.cancelled', `stack ${stackName}: update cancelled (${describeError(signal.reason)}); the next update refreshes first`, labels);
      await this.options.recovery.mark(stackName, 'update cancelled', now);
      return;
    }
    if (needsRefreshAfterFailure(operation, error)) {
      this.emit('ERROR', 'deploy.up-failed', `stack ${stackName}: update failed: ${shortPulumiMessage(error)}; the next update refreshes first`, labels);
      await this.options.recovery.mark(stackName, `update failed: ${shortPulumiMessage(error)}`, now);
    }
  }

  private retrying<T>(stackName: string, what: string, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    return withRetry(() => call(), {
      retries: this.options.deployer.retries,
      signal,
      ...(this.options.backoff ?? {}),
      onRetry: ({ error, attempt, retriesLeft }) =>
        this.emit('WARNING', 'deploy.retry', `stack ${stackName}: ${what} attempt ${attempt} failed (${shortPulumiMessage(error)}); ${retriesLeft} retries left`, { stack: stackName }),
    }).catch((error: unknown) => {
      if (signal?.aborted || isCancellation(error)) throw signal ? cancelledError(signal, `${what} of stack ${stackName}`) : error;
      throw error;
    });
  }

  private emit(severity: 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR', code: string, message: string, labels: Record<string, string>): void {
    this.options.sink.emit({ code, severity, message, labels });
  }
}

/** All values, or the failure: one failed workload as it is, several named in one error. */
function unwrapAll<T>(settled: Settled<T>[], names: readonly string[], verb: string): T[] {
  const failed = settled.flatMap((s, i) => (s.ok ? [] : [{ workload: names[i], error: s.error }]));
  if (failed.length === 1) throw failed[0].error;
  if (failed.length > 1) {
    // One kind for all (an outage is transient everywhere), so the caller's retry policy holds;
    // a mix of kinds that are each worth retrying (a lock and a 503) is still worth retrying.
    const kinds = new Set(failed.map((f) => errorKindOf(f.error)));
    const retryable = [...kinds].every((k) => k === 'transient' || k === 'concurrent');
    throw new ShadowscaleError(
      kinds.size === 1 ? [...kinds][0]! : retryable ? 'transient' : 'internal',
      'deploy.several-failed',
      `could not ${verb} ${failed.length} workloads: ${failed.map((f) => `${f.workload}: ${shortPulumiMessage(f.error)}`).join('; ')}`,
      { workloads: failed.map((f) => f.workload) },
      { cause: failed[0].error },
    );
  }
  return settled.flatMap((s) => (s.ok ? [s.value] : []));
}

// ---------------------------------------------------------------------------------------------
// The real driver: LocalWorkspace with an inline program.

export interface LocalWorkspaceDriverOptions {
  /** stacks/program.ts `fleetProgram`: the stack program for one workload's plan. */
  program: (plan: FleetPlan) => PulumiFn;
  /** gs://bucket/prefix in production, file://dir for a laptop or a test. */
  backendUrl: string;
  /** gcpkms://… in production; "passphrase" needs PULUMI_CONFIG_PASSPHRASE in envVars. */
  secretsProvider?: string;
  /** Kept between runs so Pulumi.<stack>.yaml (secrets settings) persists (pulumi#16890). */
  workDir: string;
  envVars?: Record<string, string>;
  /** Where the CLI and plugins are baked into the image. */
  pulumiHome?: string;
  projectName?: string;
}

export function localWorkspaceDriver(options: LocalWorkspaceDriverOptions): StackDriver {
  const projectName = options.projectName ?? 'shadowscale';
  const workspaceOptions = (program: PulumiFn): LocalWorkspaceOptions => ({
    workDir: options.workDir,
    pulumiHome: options.pulumiHome,
    program,
    envVars: options.envVars,
    secretsProvider: options.secretsProvider,
    projectSettings: { name: projectName, runtime: 'nodejs', backend: { url: options.backendUrl } },
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see the header
  const automation = async (): Promise<typeof Automation> => require('@pulumi/pulumi/automation') as typeof Automation;
  const session = (stack: Stack): StackSession => ({
    preview: async ({ onEvent, signal }) => {
      const r = await stack.preview({ onEvent: (e: EngineEvent) => onEvent(e), signal, color: 'never', diff: false });
      return { stdout: r.stdout };
    },
    up: async ({ onEvent, signal }) => {
      const r = await stack.up({ onEvent: (e: EngineEvent) => onEvent(e), signal, color: 'never' });
      return { stdout: r.stdout, outputs: r.outputs };
    },
    refresh: async ({ signal }) => {
      await stack.refresh({ signal, color: 'never', clearPendingCreates: true });
    },
    cancel: () => stack.cancel(),
  });
  return {
    async open(stackName, plan) {
      await mkdir(options.workDir, { recursive: true });
      const { LocalWorkspace } = await automation();
      const program = options.program(plan);
      const stack = await LocalWorkspace.createOrSelectStack({ stackName, projectName, program }, workspaceOptions(program)).catch((e: unknown) => {
        throw explainPulumiError(e);
      });
      return session(stack);
    },
    async outputs(stackName) {
      await mkdir(options.workDir, { recursive: true });
      const { LocalWorkspace, StackNotFoundError } = await automation();
      // Reading outputs runs no program; an empty one keeps the workspace valid.
      const noProgram: PulumiFn = async () => ({});
      try {
        const stack = await LocalWorkspace.selectStack({ stackName, projectName, program: noProgram }, workspaceOptions(noProgram));
        return await stack.outputs();
      } catch (error) {
        if (error instanceof StackNotFoundError) return undefined;
        throw explainPulumiError(error);
      }
    },
  };
}
