/**
 * Reading a demand distribution out of a handful of forecast quantiles. Pure.
 *
 * A forecast gives values at a few levels (0.5, 0.9, 0.95, 0.99). Between levels we interpolate
 * linearly; above the highest level the exceedance probability is extended by a log-linear
 * (exponential) tail fitted to the two highest levels, because sizing decisions need tail
 * probabilities beyond the last quantile and a hard cut-off would call them zero.
 */

export interface QuantilePoints {
  /** Ascending levels in (0, 1). */
  levels: number[];
  /** Values at those levels, non-decreasing (forced so on construction). */
  values: number[];
}

/** Builds points from levels and values, sorting by level and forcing monotone values. */
export function quantilePoints(levels: readonly number[], values: readonly number[]): QuantilePoints {
  const order = levels.map((l, i) => [l, values[i]] as const).sort((a, b) => a[0] - b[0]);
  const outLevels: number[] = [];
  const outValues: number[] = [];
  let running = -Infinity;
  for (const [l, v] of order) {
    // Quantile crossing happens with independently fitted levels; the sorted envelope is the
    // smallest monotone fix and keeps every level's own value where it was already ordered.
    running = Math.max(running, v);
    outLevels.push(l);
    outValues.push(running);
  }
  return { levels: outLevels, values: outValues };
}

/** The value at level q: linear between levels, clamped outside (callers say when it clamps). */
export function quantileAt(p: QuantilePoints, q: number): number {
  const { levels, values } = p;
  if (q <= levels[0]) return values[0];
  const last = levels.length - 1;
  if (q >= levels[last]) return values[last];
  for (let i = 1; i <= last; i++) {
    if (q <= levels[i]) {
      const f = (q - levels[i - 1]) / (levels[i] - levels[i - 1]);
      return values[i - 1] + f * (values[i] - values[i - 1]);
    }
  }
  return values[last];
}

/** P(demand > x). */
export function exceedance(p: QuantilePoints, x: number): number {
  const { levels, values } = p;
  const last = levels.length - 1;
  if (x < values[0]) {
    // Below the lowest quantile: interpolate towards P(D > 0) = 1 for non-negative demand.
    if (values[0] <= 0) return 1;
    const f = Math.max(0, x) / values[0];
    return 1 - f * levels[0];
  }
  if (x >= values[last]) {
    const tail = 1 - levels[last];
    if (last === 0) return x > values[last] ? 0 : tail;
    const spread = values[last] - values[last - 1];
    const drop = (1 - levels[last - 1]) / tail;
    if (spread <= 0 || drop <= 1) return x > values[last] ? 0 : tail;
    return tail * Math.pow(drop, -(x - values[last]) / spread);
  }
  for (let i = 1; i <= last; i++) {
    if (x < values[i]) {
      const span = values[i] - values[i - 1];
      const f = span > 0 ? (x - values[i - 1]) / span : 1;
      return 1 - (levels[i - 1] + f * (levels[i] - levels[i - 1]));
    }
  }
  return 1 - levels[last];
}

/** E[(D - x)+] = integral of P(D > y) for y from x to infinity (trapezoid on a fine grid). */
export function expectedExcess(p: QuantilePoints, x: number, n = 200): number {
  const top = p.values[p.values.length - 1];
  const spread = Math.max(top - p.values[0], Math.abs(top) * 0.01, 1e-9);
  const end = Math.max(x, top) + 8 * spread;
  const h = (end - x) / n;
  if (h <= 0) return 0;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const w = i === 0 || i === n ? 0.5 : 1;
    sum += w * exceedance(p, x + i * h);
  }
  return sum * h;
}

/** The newsvendor critical ratio: cover demand up to this quantile when shortfall costs `penalty`. */
export function criticalRatio(penaltyPerVmHour: number, pricePerVmHour: number): number {
  return penaltyPerVmHour / (penaltyPerVmHour + pricePerVmHour);
}

