/**
 * The time a run plans for. Production uses the system clock; a replayed or bundled history
 * (config `planAt: history-end`) plans as of its newest point, so its forecasts are fresh and
 * the stale-forecast guard does not hold the fleet; `planAt: <ISO>` plans as of a fixed time.
 */
import type { ShadowscaleConfig, WorkloadConfig } from '../config-types';
import { readOnce, systemClock, type Clock, type HistorySource } from '../ports';

export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

/** The first step after a history's newest point: where its forecast starts. */
export async function historyEnd(source: HistorySource, signal?: AbortSignal): Promise<Date> {
  const s = await readOnce(source, { signal });
  return new Date(s.startMs + s.values.length * s.stepMs);
}

export async function resolvePlanClock(
  config: ShadowscaleConfig,
  history: (w: WorkloadConfig) => HistorySource,
  signal?: AbortSignal,
): Promise<{ clock: Clock; note?: string }> {
  if (config.planAt === undefined) return { clock: systemClock };
  if (config.planAt !== 'history-end') return { clock: fixedClock(new Date(config.planAt)), note: `planning as of ${config.planAt} (config planAt)` };
  let latest = 0;
  for (const w of config.workloads) latest = Math.max(latest, (await historyEnd(history(w), signal)).getTime());
  const at = new Date(latest);
  return { clock: fixedClock(at), note: `planning as of ${at.toISOString()}, the end of the history (config planAt: history-end)` };
}
