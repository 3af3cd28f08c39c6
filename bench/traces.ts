/**
 * The benchmark traces in ../shared/traces (never copied into the repository). Each entry says
 * how to read it; the benchmarks run on every entry, and others run them on traces we never saw,
 * so nothing here tunes a method: only how to read the file.
 */
import { join } from 'node:path';

export interface BenchTrace {
  id: string;
  file: string;
  valueColumn: string;
  timeColumn?: string;
  /** Row clock for files without a time column, ms. */
  stepMs?: number;
  /** Resample step, ms (keeps 24 h horizons a few hundred steps long). */
  resampleMs?: number;
  /** Smooth with a daily cycle, or bursty: which replay targets apply. */
  shape: 'smooth-daily' | 'bursty' | 'other';
}

export const TRACES_DIR = process.env.SHADOWSCALE_TRACES ?? join(__dirname, '..', '..', 'shared', 'traces');

export const BENCH_TRACES: BenchTrace[] = [
  { id: 'azure_vm_v2', file: 'azure_vm_v2/vm_cpu_readings_month_aggregated_cpu_mem.csv', valueColumn: 'cpu_usage', timeColumn: 'timestamp', shape: 'smooth-daily' },
  { id: 'alibaba2018', file: 'alibaba2018/machine_usage_days_1_to_8_grouped_30_seconds.csv', valueColumn: 'cpu_util_percent', stepMs: 30_000, resampleMs: 300_000, shape: 'smooth-daily' },
  { id: 'nab_asg_cpu', file: 'nab/cpu_utilization_asg_misconfiguration.csv', valueColumn: 'value', timeColumn: 'timestamp', shape: 'other' },
  { id: 'nab_tweets_amzn', file: 'nab/Twitter_volume_AMZN.csv', valueColumn: 'value', timeColumn: 'timestamp', shape: 'bursty' },
  { id: 'nab_tweets_goog', file: 'nab/Twitter_volume_GOOG.csv', valueColumn: 'value', timeColumn: 'timestamp', shape: 'bursty' },
  { id: 'nab_elb_requests', file: 'nab/elb_request_count_8c0756.csv', valueColumn: 'value', timeColumn: 'timestamp', shape: 'other' },
  { id: 'nab_ec2_cpu', file: 'nab/ec2_cpu_utilization_ac20cd.csv', valueColumn: 'value', timeColumn: 'timestamp', shape: 'other' },
  { id: 'prophet_pedestrians', file: 'prophet/example_pedestrians_multivariate.csv', valueColumn: 'location_4', timeColumn: 'ds', shape: 'other' },
];

export function tracePath(t: BenchTrace): string {
  return join(TRACES_DIR, t.file);
}
