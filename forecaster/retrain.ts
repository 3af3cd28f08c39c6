/**
 * When to retrain a workload's model. Pure; changepoints come from augurs' Bayesian online
 * changepoint detector.
 */
import type { ModelRecord } from '../automation/ports';
import { augursChangepoint } from './augurs';
import { fillGapsForModel } from './series';

export interface RetrainInput {
  record: ModelRecord | undefined;
  now: Date;
  /** Recent mean pinball loss of the recorded model on actuals it had not seen. */
  recentScore?: number;
  changepointDetected: boolean;
  maxAgeMs: number;
  /** Retrain when recentScore exceeds the recorded backtest pinball by this factor (e.g. 1.5). */
  accuracyThreshold: number;
}

export type RetrainReason = 'no-model' | 'stale' | 'accuracy' | 'changepoint' | 'fresh';

export interface RetrainDecision {
  retrain: boolean;
  reason: RetrainReason;
  message: string;
}

export function shouldRetrain(input: RetrainInput): RetrainDecision {
  const { record } = input;
  if (!record) return { retrain: true, reason: 'no-model', message: 'no model recorded for this workload yet' };
  const ageMs = input.now.getTime() - Date.parse(record.createdAt);
  if (!(ageMs <= input.maxAgeMs)) {
    return { retrain: true, reason: 'stale', message: `model v${record.version} is ${Math.round(ageMs / 60_000)} min old, more than the ${Math.round(input.maxAgeMs / 60_000)} min allowed` };
  }
  const recorded = record.scores.pinball;
  if (input.recentScore !== undefined && recorded !== undefined && recorded > 0 && input.recentScore > input.accuracyThreshold * recorded) {
    return { retrain: true, reason: 'accuracy', message: `recent pinball loss ${input.recentScore.toPrecision(3)} is more than ${input.accuracyThreshold}x the backtest's ${recorded.toPrecision(3)}` };
  }
  if (input.changepointDetected) return { retrain: true, reason: 'changepoint', message: 'the demand changed regime since the model was trained' };
  return { retrain: false, reason: 'fresh', message: `model v${record.version} is recent and still accurate` };
}

/** Points before the unseen part that the changepoint detector reads as the reference. */
const REFERENCE_POINTS = 500;

/**
 * True when augurs' normal-gamma changepoint detector finds a change in values[since..end).
 * The detector looks for changes in a piecewise-constant mean, so a seasonal series is first
 * differenced at its season (`period`, the longest one the model uses): on the raw values a
 * clean daily cycle "changed" every 2-5 hours, and every seasonal workload retrained as often.
 * A level shift stays a change in the differenced mean (for a season). Values are standardised
 * so that the detector's default prior fits any unit.
 */
export function detectChangepoint(values: ArrayLike<number>, since: number, opts: { hazardLambda?: number; period?: number } = {}): boolean {
  let filled = fillGapsForModel(values);
  let from = since;
  const p = opts.period ?? 0;
  if (p >= 1 && filled.length >= 2 * p) {
    const diff = new Float64Array(filled.length - p);
    for (let i = p; i < filled.length; i++) diff[i - p] = filled[i]! - filled[i - p]!;
    filled = diff;
    from = Math.max(0, since - p);
  }
  // The detector's cost grows with the run length it tracks, which on a stationary series is the
  // whole input (14 days of 1-minute points took most of a minute): it reads the unseen part and
  // a reference stretch before it.
  const start = Math.max(0, from - REFERENCE_POINTS);
  filled = filled.subarray(start);
  from -= start;
  let mean = 0;
  for (const v of filled) mean += v;
  mean /= filled.length || 1;
  let sd = 0;
  for (const v of filled) sd += (v - mean) ** 2;
  sd = Math.sqrt(sd / (filled.length || 1)) || 1;
  const z = filled.map((v) => (v - mean) / sd);
  const detector = augursChangepoint().ChangepointDetector.normalGamma({ hazardLambda: opts.hazardLambda ?? 250 });
  try {
    const { indices } = detector.detectChangepoints(z);
    return indices.some((i) => i > 0 && i >= from);
  } finally {
    detector.free();
  }
}
