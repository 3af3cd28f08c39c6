/**
 * The time a run plans for. Production uses the system clock; a replayed or bundled history
 * (config `planAt: history-end`) plans as of its newest point, so its forecasts are fresh and
 * the stale-forecast guard does not hold the fleet; `planAt: <ISO>` plans as of a fixed time.
 */
import type { ShadowscaleConfig, SignalConfig, WorkloadConfig } from '../config-types';
import { readOnce, systemClock, type Clock, type HistorySource } from '../ports';

export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

/** The first step after a history's newest point: where its forecast starts. */
export async function historyEnd(source: HistorySource, signal?: AbortSignal): Promise<Date> {
  const s = await readOnce(source, { signal });
  return new Date(s.startMs + s.values.length * s.stepMs);
}

/**
 * Where a workload's forecast starts: the end of its OLDEST signal's history. The combined
 * forecast starts there (automation/planner/signals.ts), so planning as of that time keeps every
 * signal fresh; a newer signal's extra points are simply in the past.
 */
export async function workloadHistoryEnd(w: WorkloadConfig, history: (w: WorkloadConfig, s?: SignalConfig) => HistorySource, signal?: AbortSignal): Promise<Date> {
  let oldest = Infinity;
  for (const s of w.signals.length ? w.signals : [undefined]) oldest = Math.min(oldest, (await historyEnd(history(w, s), signal)).getTime());
  return new Date(oldest);
}

export async function resolvePlanClock(
  config: ShadowscaleConfig,
  history: (w: WorkloadConfig, s?: SignalConfig) => HistorySource,
  signal?: AbortSignal,
): Promise<{ clock: Clock; note?: string }> {
  if (config.planAt === undefined) return { clock: systemClock };
  if (config.planAt !== 'history-end') return { clock: fixedClock(new Date(config.planAt)), note: `planning as of ${config.planAt} (config planAt)` };
  let latest = 0;
  for (const w of config.workloads) latest = Math.max(latest, (await workloadHistoryEnd(w, history, signal)).getTime());
  const at = new Date(latest);
  return { clock: fixedClock(at), note: `planning as of ${at.toISOString()}, the end of the history (config planAt: history-end)` };
}
