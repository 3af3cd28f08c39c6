/**
 * Anomalies: recent actuals outside the central 99 % interval of the forecast made just before
 * them, calibrated on the model's other errors. Pure. The engine treats them as gaps when it fits.
 *
 * A run of such points on one side that lasts up to the origin is a level shift, not an outlier,
 * once it is long enough to be the recent level: it is reported as one but not masked, since
 * masking it would leave the model nothing recent to anchor on, and it would keep forecasting
 * the level the series has left.
 */
import { buildPools, conformalQuantile, type ResidualMatrix } from './calibration';

export interface Anomaly {
  /** Grid index of the point. */
  index: number;
  value: number;
  /** Part of a shift that has become the recent level: reported, kept in the fit. */
  levelShift: boolean;
}

/** The central 99 % interval outside which an actual is an anomaly. */
const ANOMALY_LOWER = 0.005;
const ANOMALY_UPPER = 0.995;

/** 1 above the central 99 % interval of the sorted error pool, -1 below it, 0 inside (or no pool). */
export function anomalySide(error: number, sortedPool: Float64Array): -1 | 0 | 1 {
  if (Number.isNaN(error) || !sortedPool.length) return 0;
  if (error > conformalQuantile(sortedPool, ANOMALY_UPPER)) return 1;
  return error < conformalQuantile(sortedPool, ANOMALY_LOWER) ? -1 : 0;
}

/**
 * `residuals[0]` are the errors of the forecast from `origin` (the most recent calibration
 * origin, whose horizon ends at the forecast origin); rows 1.. are older origins and give the
 * error distribution at each lead without the row being judged.
 */
export function flagAnomalies(residuals: ResidualMatrix, origin: number, values: ArrayLike<number>, horizon: number, persistSteps = Infinity, overlapping = 0): Anomaly[] {
  // Rows whose horizons overlap the judged one saw the same recent points: a burst in them would
  // vouch for itself, so the yardstick is the rows before (`overlapping` rows are skipped).
  const others = residuals.map((_, j) => j).slice(1 + overlapping);
  if (!others.length) return [];
  const { pools } = buildPools(residuals, horizon, others);
  const recent = residuals[0]!;
  const out: Anomaly[] = [];
  for (let h = 0; h < horizon; h++) {
    if (anomalySide(recent[h]!, pools[h]!) !== 0) {
      out.push({ index: origin + h, value: values[origin + h]!, levelShift: false });
    }
  }
  const shift = trailingShift(out, recent, origin, horizon, persistSteps);
  for (let i = out.length - shift; i < out.length; i++) out[i]!.levelShift = true;
  return out;
}

/** Length of the run of flagged points on one side that ends at the last lead, when it lasts
 * at least `persistSteps` (0 otherwise). */
function trailingShift(flagged: Anomaly[], recent: Float64Array, origin: number, horizon: number, persistSteps: number): number {
  let run = 0;
  let expected = origin + horizon - 1;
  const sign = Math.sign(recent[horizon - 1]!);
  for (let i = flagged.length - 1; i >= 0; i--, expected--) {
    const a = flagged[i]!;
    if (a.index !== expected || Math.sign(recent[a.index - origin]!) !== sign) break;
    run++;
  }
  return run >= persistSteps ? run : 0;
}
