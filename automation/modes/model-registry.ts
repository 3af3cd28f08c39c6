/**
 * The model registry in a tick: reuse the workload's recorded model while it is fresh and
 * accurate, and re-run selection (recording a new version) when a retrain trigger fires:
 * no model yet, age, accuracy on the actuals that arrived since the model was recorded (once
 * they span a horizon), or a changepoint in the demand that arrived after the selection that
 * recorded the model.
 *
 * Models are kept per signal: `workload` below is the signal's key (forecast-workload.ts
 * signalKey), the bare workload name for its first signal.
 */
import type { QuantileForecast, Series } from '../../forecaster/types';
import { detectChangepoint, shouldRetrain, type RetrainDecision } from '../../forecaster/retrain';
import { pinball } from '../../forecaster/metrics';
import type { ModelRecord, RecordsStore } from '../ports';

export interface RetrainPolicy {
  /** A model older than this is retrained. */
  maxAgeMs: number;
  /** Retrain when the recent pinball loss exceeds the recorded one by this factor. */
  accuracyThreshold: number;
}

export const DEFAULT_RETRAIN_POLICY: RetrainPolicy = { maxAgeMs: 24 * 3_600_000, accuracyThreshold: 1.5 };

export interface ModelChoice {
  /** The model kind to forecast with; undefined re-runs selection. */
  model?: string;
  record?: ModelRecord;
  decision: RetrainDecision;
  /** The recorded model's out-of-sample accuracy so far (undefined before any actual came). */
  recent?: RecentAccuracy;
}

export interface RecentAccuracy {
  /** Mean pinball loss per lead over the forecasts and levels whose actual is now known, then
   * averaged over the leads, as the backtest's score weighs them (the short leads of many
   * overlapping forecasts would otherwise outweigh the long ones). */
  pinball: number;
  /** Distinct steps of actuals those forecasts were scored on. */
  steps: number;
  /** The longest horizon among them, in steps. */
  horizon: number;
}

/** Pinball loss of past forecasts over the actuals now known (undefined if none yet). */
export function recentAccuracy(pasts: QuantileForecast[], series: Series): RecentAccuracy | undefined {
  const perLead = new Map<number, { sum: number; n: number }>();
  let horizon = 0;
  const steps = new Set<number>();
  for (const past of pasts) {
    horizon = Math.max(horizon, past.horizon);
    const first = Math.round((Date.parse(past.originTime) - series.startMs) / series.stepMs);
    for (const [level, values] of Object.entries(past.quantiles)) {
      const q = Number(level);
      values.forEach((predicted, h) => {
        const actual = series.values[first + h];
        if (first + h >= 0 && first + h < series.values.length && Number.isFinite(actual) && Number.isFinite(predicted)) {
          const lead = perLead.get(h) ?? { sum: 0, n: 0 };
          perLead.set(h, lead);
          lead.sum += pinball(actual, predicted, q);
          lead.n++;
          steps.add(first + h);
        }
      });
    }
  }
  if (!perLead.size) return undefined;
  const means = [...perLead.values()].map((l) => l.sum / l.n);
  return { pinball: means.reduce((a, b) => a + b, 0) / means.length, steps: steps.size, horizon };
}

/**
 * Key in a model record's params: the end (exclusive) of the series the selection saw. The
 * record's trainEnd is the model's refit point (an ensemble refits daily), which can lie hours
 * before the data the selection was scored on; a change inside those hours was already in
 * front of the selection, so it must not trigger a retrain again on every later tick.
 */
export const SELECTION_DATA_END = 'selectionDataEnd';

/** Step index from which the series holds data the recorded selection never saw. */
export function unseenFrom(record: ModelRecord, series: Series): number {
  const seen = record.params[SELECTION_DATA_END];
  // Records written before the selection's data end was kept only have the refit point.
  const end = typeof seen === 'string' && Number.isFinite(Date.parse(seen)) ? seen : record.trainEnd;
  return Math.max(0, Math.round((Date.parse(end) - series.startMs) / series.stepMs));
}

/** The longest season the recorded model uses, in steps (undefined without one). */
function longestPeriod(record: ModelRecord): number | undefined {
  const periods = record.params['periods'];
  if (!Array.isArray(periods)) return undefined;
  const steps = periods.filter((p): p is number => typeof p === 'number' && Number.isInteger(p) && p > 1);
  return steps.length ? Math.max(...steps) : undefined;
}

export async function chooseModel(records: RecordsStore, workload: string, series: Series, now: Date, policy: RetrainPolicy = DEFAULT_RETRAIN_POLICY): Promise<ModelChoice> {
  const record = await records.latestModel(workload);
  const pasts = record ? (await records.forecastsSince(workload, record.createdAt)).filter((f) => f.model === record.kind) : [];
  const recent = recentAccuracy(pasts, series);
  // The backtest's score is a mean over every lead of the horizon; judged on fewer steps (the
  // first few actuals after each tick), one noisy tick or a new regime that every model misses
  // alike retrained on every tick, each retrain picking the same kind again.
  const judged = recent && recent.steps >= recent.horizon ? recent.pinball : undefined;
  const since = record ? unseenFrom(record, series) : series.values.length;
  const changepoint = record !== undefined && since < series.values.length && detectChangepoint(series.values, since, { period: longestPeriod(record) });
  const decision = shouldRetrain({ record, now, recentScore: judged, changepointDetected: changepoint, ...policy });
  return { model: decision.retrain ? undefined : record?.kind, record, decision, recent };
}

/** After a forecast made by selection: the new version of the workload's model. */
export async function recordModel(
  records: RecordsStore,
  workload: string,
  series: Series,
  forecast: QuantileForecast & { selection?: Record<string, { score: number; calibrationOrigins: number }>; trainEnd?: number },
  now: Date,
): Promise<ModelRecord> {
  const trainEnd = forecast.trainEnd ?? series.values.length;
  const selection = forecast.selection ?? {};
  const scores: Record<string, number> = {};
  for (const [model, s] of Object.entries(selection)) scores[`pinball.${model}`] = s.score;
  if (selection[forecast.model]) scores.pinball = selection[forecast.model].score;
  return records.saveModel({
    workload,
    kind: forecast.model,
    params: { ...forecast.params, [SELECTION_DATA_END]: new Date(series.startMs + series.values.length * series.stepMs).toISOString() },
    trainStart: new Date(series.startMs).toISOString(),
    trainEnd: new Date(series.startMs + trainEnd * series.stepMs).toISOString(),
    scores,
    createdAt: now.toISOString(),
  });
}
