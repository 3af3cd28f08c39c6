/**
 * Autoscaler scaling schedules written from a forecast, and read back by the simulator. Pure.
 *
 * GCP's autoscaler takes at most 128 schedules, each at least 300 s long, as cron expressions.
 * We write one-shot schedules "M H DoM Mon *" in UTC whose window holds the largest floor of the
 * forecast steps it covers, so floors keep rising and falling between planner ticks the way the
 * forecast says. "M H DoM Mon *" comes round again a year later: every plan rewrites the whole
 * list, so a schedule lives only as long as the plans that carry it.
 */
import type { ScalingSchedule } from '../fleet-plan';
import { inputError } from '../errors';

export const MAX_SCHEDULES = 128;
export const MIN_SCHEDULE_SEC = 300;
export const SCHEDULE_TIME_ZONE = 'Etc/UTC';

/** Forecast steps one schedule covers: at least MIN_SCHEDULE_SEC, and few enough blocks for MAX_SCHEDULES. */
export function scheduleBlockSteps(steps: number, stepMs: number): number {
  const minSteps = Math.ceil((MIN_SCHEDULE_SEC * 1000) / stepMs);
  return Math.max(minSteps, Math.ceil(steps / MAX_SCHEDULES));
}

/** One schedule per block of forecast steps, each holding the block's largest floor. */
export function schedulesFromFloors(prefix: string, stepTimesMs: readonly number[], floors: readonly number[], stepMs: number): ScalingSchedule[] {
  if (floors.length === 0) return [];
  const blockSteps = scheduleBlockSteps(floors.length, stepMs);
  const out: ScalingSchedule[] = [];
  for (let b = 0; b < floors.length; b += blockSteps) {
    const last = Math.min(floors.length, b + blockSteps);
    let floor = 0;
    for (let k = b; k < last; k++) floor = Math.max(floor, floors[k]);
    if (floor <= 0) continue;
    // Cron has minute resolution: start at the minute, keep the same end.
    const startMs = Math.floor(stepTimesMs[b] / 60_000) * 60_000;
    const endMs = stepTimesMs[b] + (last - b) * stepMs;
    const d = new Date(startMs);
    out.push({
      name: `${prefix}-f${out.length}`,
      minRequiredReplicas: floor,
      schedule: `${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`,
      durationSec: Math.max(MIN_SCHEDULE_SEC, Math.ceil((endMs - startMs) / 1000)),
      timeZone: SCHEDULE_TIME_ZONE,
      description: `forecast floor from ${new Date(stepTimesMs[b]).toISOString()}`,
    });
  }
  return out;
}

export interface ScheduleWindow {
  startMs: number;
  endMs: number;
  minRequiredReplicas: number;
}

/**
 * The window of a one-shot schedule ("M H DoM Mon *" in UTC) nearest after `referenceMs`
 * (the plan's time): the occurrence whose window has not ended by then.
 */
export function scheduleWindow(s: ScalingSchedule, referenceMs: number): ScheduleWindow {
  const m = /^(\d{1,2}) (\d{1,2}) (\d{1,2}) (\d{1,2}) \*$/.exec(s.schedule.trim());
  if (!m || (s.timeZone !== 'Etc/UTC' && s.timeZone !== 'UTC')) {
    throw inputError('input.schedule', { field: `scalingSchedules.${s.name}` }, `the simulator reads one-shot schedules "M H DoM Mon *" in UTC, got "${s.schedule}" in ${s.timeZone}`);
  }
  const [minute, hour, day, month] = m.slice(1).map(Number);
  const year = new Date(referenceMs).getUTCFullYear();
  for (const y of [year - 1, year, year + 1]) {
    const startMs = Date.UTC(y, month - 1, day, hour, minute);
    const endMs = startMs + s.durationSec * 1000;
    if (endMs > referenceMs) return { startMs, endMs, minRequiredReplicas: s.minRequiredReplicas };
  }
  return { startMs: Date.UTC(year + 1, month - 1, day, hour, minute), endMs: Date.UTC(year + 1, month - 1, day, hour, minute) + s.durationSec * 1000, minRequiredReplicas: s.minRequiredReplicas };
}
