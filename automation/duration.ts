import { inputError } from './errors';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** What a duration must look like, for errors that name where it came from. */
export const DURATION_EXPECTED = 'expected a positive duration such as 30s, 5m, 1h or 1h30m';

/** "30s", "5m", "1h30m", "2d" (or a bare number of seconds) in milliseconds; undefined when not a positive duration. */
export function durationMs(text: string): number | undefined {
  const t = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(t) && Number(t) > 0) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched = re.lastIndex;
  }
  return matched !== t.length || t.length === 0 || total <= 0 ? undefined : total;
}

/** Parses "30s", "5m", "1h30m", "2d" (or a bare number of seconds) into milliseconds. */
export function parseDuration(text: string, field = 'duration'): number {
  const ms = durationMs(text);
  if (ms === undefined) throw inputError('input.duration', { field }, `${DURATION_EXPECTED}, got "${text}"`);
  return ms;
}

export function formatDuration(ms: number): string {
  for (const [u, f] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % f === 0) return `${ms / f}${u}`;
  }
  return `${ms}ms`;
}
