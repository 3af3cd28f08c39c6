/**
 * A StackDriver double for PulumiDeployer tests: stacks in memory, step events scripted per
 * stack, failures queued per operation. It throws errors named like Pulumi's own
 * (ConcurrentUpdateError, CommandError), since the SDK's constructors are internal.
 */
import type { FleetPlan } from '../../automation/fleet-plan';
import type { StackDriver, StackOutputs, StackSession, StepEvent } from '../../automation/adapters/pulumi-deployer';

export class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Op = 'open' | 'preview' | 'up' | 'refresh' | 'cancel' | 'outputs';

export class FakeStackDriver implements StackDriver {
  readonly log: string[] = [];
  readonly outputsByStack = new Map<string, StackOutputs>();
  readonly eventsByStack = new Map<string, StepEvent[]>();
  readonly plans = new Map<string, FleetPlan>();
  private failures: { op: Op; stack: string; error: Error }[] = [];
  /** An `up` that waits until its signal aborts. */
  hangUp = false;

  failNext(op: Op, stack: string, error: Error): void {
    this.failures.push({ op, stack, error });
  }

  private maybeFail(op: Op, stack: string): void {
    this.log.push(`${op} ${stack}`);
    const i = this.failures.findIndex((f) => f.op === op && f.stack === stack);
    if (i >= 0) throw this.failures.splice(i, 1)[0].error;
  }

  async open(stackName: string, plan: FleetPlan): Promise<StackSession> {
    this.maybeFail('open', stackName);
    this.plans.set(stackName, plan);
    const events = () => this.eventsByStack.get(stackName) ?? [];
    return {
      preview: async ({ onEvent }) => {
        this.maybeFail('preview', stackName);
        events().forEach(onEvent);
        return { stdout: `preview of ${stackName}` };
      },
      up: async ({ onEvent, signal }) => {
        this.maybeFail('up', stackName);
        if (this.hangUp) {
          await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new NamedError('CommandError', 'update canceled')), { once: true }));
        }
        events().forEach(onEvent);
        const outputs: StackOutputs = { fleet: { value: plan } };
        this.outputsByStack.set(stackName, outputs);
        return { stdout: `up of ${stackName}`, outputs };
      },
      refresh: async () => this.maybeFail('refresh', stackName),
      cancel: async () => this.maybeFail('cancel', stackName),
    };
  }

  async outputs(stackName: string): Promise<StackOutputs | undefined> {
    this.maybeFail('outputs', stackName);
    return this.outputsByStack.get(stackName);
  }
}
