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

/**
 * True when augurs' normal-gamma changepoint detector finds a change in values[since..end).
 * Values are standardised first so that the detector's default prior fits any unit.
 */
export function detectChangepoint(values: ArrayLike<number>, since: number, opts: { hazardLambda?: number } = {}): boolean {
  const filled = fillGapsForModel(values);
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
    return indices.some((i) => i > 0 && i >= since);
  } finally {
    detector.free();
  }
}
