/**
 * In-memory Deployer for tests; its promised behaviour is written in fake-deployer.md.
 */
import { plannedStatus, type FleetPlan, type FleetState, type GenerationPlan, type GenerationStatus, type WorkloadPlan, type WorkloadStatus } from '../../automation/fleet-plan';
import type { ApplyResult, Clock, DeployOptions, Deployer, PreviewResult } from '../../automation/ports';
import { ShadowscaleError, type ErrorKind } from '../../automation/errors';

type Method = 'state' | 'preview' | 'apply';
type Change = PreviewResult['changes'][number];

export const GENERATION_TYPE = 'shadowscale:fleet:Generation';

export class FakeDeployer implements Deployer {
  readonly kind = 'fake';
  readonly calls: { method: Method; workloads: string[] }[] = [];
  cancelled = 0;
  private applied = new Map<string, WorkloadPlan>();
  private failures: { method: Method; workload: string; error: Error; once: boolean }[] = [];
  private hanging = new Set<string>();
  private unreadableStacks = new Map<string, { error: string; kind: ErrorKind }>();

  constructor(private readonly clock: Clock) {}

  seed(plan: WorkloadPlan): void {
    this.applied.set(plan.workload, structuredClone(plan));
  }

  failNext(method: Method, workload: string, error: Error): void {
    this.failures.push({ method, workload, error, once: true });
  }

  failAlways(method: Method, workload: string, error: Error): void {
    this.failures.push({ method, workload, error, once: false });
  }

  hang(workload: string): void {
    this.hanging.add(workload);
  }

  unreadable(workload: string, error: string, kind: ErrorKind = 'transient'): void {
    this.unreadableStacks.set(workload, { error, kind });
  }

  reset(): void {
    this.calls.length = 0;
    this.cancelled = 0;
    this.applied.clear();
    this.failures = [];
    this.hanging.clear();
    this.unreadableStacks.clear();
  }

  /** The plan last applied to a workload, for assertions that it was (not) touched. */
  appliedPlan(workload: string): WorkloadPlan | undefined {
    return this.applied.get(workload);
  }

  async state(options: DeployOptions = {}): Promise<FleetState> {
    const workloads = [...this.applied.keys()];
    this.begin('state', workloads, options);
    const observedAt = this.clock.now().toISOString();
    const readable = workloads.filter((w) => !this.unreadableStacks.has(w)).map((w) => this.statusOf(w));
    if (!this.unreadableStacks.size) return { observedAt, workloads: readable };
    return { observedAt, workloads: readable, unreadable: [...this.unreadableStacks].map(([workload, u]) => ({ workload, ...u })) };
  }

  async preview(plan: FleetPlan, options: DeployOptions = {}): Promise<PreviewResult> {
    this.begin('preview', plan.workloads.map((w) => w.workload), options);
    return { changes: plan.workloads.flatMap((w) => this.diff(w)) };
  }

  async apply(plan: FleetPlan, options: DeployOptions = {}): Promise<ApplyResult> {
    const names = plan.workloads.map((w) => w.workload);
    this.begin('apply', names, options);
    if (names.some((n) => this.hanging.has(n))) await this.untilAborted(options.signal);
    const changes = plan.workloads.flatMap((w) => this.diff(w));
    for (const w of plan.workloads) this.applied.set(w.workload, structuredClone(w));
    return { state: { observedAt: this.clock.now().toISOString(), workloads: names.map((n) => this.statusOf(n)) }, changes };
  }

  private begin(method: Method, workloads: string[], options: DeployOptions): void {
    this.calls.push({ method, workloads });
    if (options.signal?.aborted) throw new ShadowscaleError('cancelled', 'cancelled', `${method} cancelled before it started`);
    const hit = this.failures.find((f) => f.method === method && workloads.includes(f.workload));
    if (hit) {
      if (hit.once) this.failures.splice(this.failures.indexOf(hit), 1);
      throw hit.error;
    }
  }

  private untilAborted(signal: AbortSignal | undefined): Promise<never> {
    return new Promise((_, reject) => {
      signal?.addEventListener('abort', () => {
        this.cancelled++;
        reject(new ShadowscaleError('cancelled', 'cancelled', 'apply cancelled'));
      }, { once: true });
    });
  }

  private statusOf(workload: string): WorkloadStatus {
    const plan = this.applied.get(workload);
    return { workload, generations: (plan?.generations ?? []).map(toStatus) };
  }

  private diff(next: WorkloadPlan): Change[] {
    const current = new Map((this.applied.get(next.workload)?.generations ?? []).map((g) => [g.name, g]));
    const changes: Change[] = next.generations.map((g) => {
      const before = current.get(g.name);
      const op = !before ? 'create' : JSON.stringify(before) === JSON.stringify(g) ? 'same' : 'update';
      return { workload: next.workload, resource: g.name, type: GENERATION_TYPE, op };
    });
    const planned = new Set(next.generations.map((g) => g.name));
    for (const name of current.keys()) {
      if (!planned.has(name)) changes.push({ workload: next.workload, resource: name, type: GENERATION_TYPE, op: 'delete' });
    }
    return changes;
  }
}

function toStatus(g: GenerationPlan): GenerationStatus {
  return { ...plannedStatus(g), healthy: true };
}
