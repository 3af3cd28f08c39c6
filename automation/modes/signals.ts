/**
 * SIGTERM (Cloud Run, Kubernetes) and SIGINT (Ctrl+C) become one AbortSignal, so every
 * in-flight call (history reads, `pulumi up`) is cancelled through the same path.
 */
import type { EventSink } from '../ports';

export interface SignalSource {
  once(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownSignal {
  signal: AbortSignal;
  /** Removes the listeners, so a finished command does not keep swallowing signals. */
  dispose(): void;
}

export function abortOnSignals(source: SignalSource, sink: EventSink, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): ShutdownSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    sink.emit({ code: 'process.signal', severity: 'NOTICE', message: `received ${name}: cancelling the running work cleanly` });
    controller.abort(new Error(`received ${name}`));
  };
  for (const s of signals) source.once(s, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of signals) source.off(s, onSignal);
    },
  };
}
