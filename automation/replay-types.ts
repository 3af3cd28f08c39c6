/**
 * What a replay produces: the plain data behind `replay --format jsonl`, the summary table and
 * the HTML report. Produced by automation/sim (replay), consumed by cli/ and automation/render/.
 */
import type { Decision } from './fleet-plan';

export interface ReplayStep {
  /** ISO time of the step. */
  t: string;
  demand: number;
  /** VM counts the controller asks for at this step (the MIG's targets). */
  running: number;
  suspended: number;
  stopped: number;
  /** VM-equivalents serving this step: capacity that becomes ready part-way counts its fraction of the step. */
  ready: number;
  served: number;
  /** Cost of this step in price units (running/booting 1.0, suspended 0.08, stopped 0.04 per VM-minute by default). */
  cost: number;
  /** Forecast the controller used at this step, if any. */
  forecastP50?: number;
  forecastP95?: number;
  /** URL-map weights per generation name (0..1000), for controllers that have generations. */
  weights?: Record<string, number>;
}

export interface ReplaySummary {
  controller: string;
  steps: number;
  servedPct: number;
  cost: number;
  oracleCost: number;
  costVsOracle: number;
  shortSteps: number;
  /** Anything else worth printing (mean running VMs, decisions count, ...). */
  [key: string]: number | string;
}

export interface ReplayResult {
  controller: string;
  stepMs: number;
  capacityPerVm: number;
  steps: ReplayStep[];
  summary: ReplaySummary;
  decisions: (Decision & { t: string })[];
}
