/**
 * The Cloud Run job entry: each task of an execution takes its share of the workloads.
 */
import { inputError } from '../errors';
import type { RunOnceResult } from './run-once';

/**
 * The workloads of task `index` out of `count`: names sorted, then dealt round-robin. The
 * result depends only on the set of names (not their order in the config), and tasks differ
 * in size by at most one workload.
 */
export function shardWorkloads(names: readonly string[], index: number, count: number): string[] {
  if (!Number.isInteger(count) || count < 1) throw inputError('input.shard', { field: 'CLOUD_RUN_TASK_COUNT' }, `expected a whole number >= 1, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw inputError('input.shard', { field: 'CLOUD_RUN_TASK_INDEX' }, `expected a whole number in 0..${count - 1}, got ${index}`);
  }
  const sorted = [...new Set(names)].sort();
  return sorted.filter((_, i) => i % count === index);
}

/** Task index and count from the environment Cloud Run sets (a single task when absent). */
export function taskFromEnv(env: Record<string, string | undefined>): { index: number; count: number } {
  const read = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    if (!/^\d+$/.test(text.trim())) throw inputError('input.env', { field: name }, `expected a whole number, got "${text}"`);
    return Number(text);
  };
  return { index: read('CLOUD_RUN_TASK_INDEX', 0), count: read('CLOUD_RUN_TASK_COUNT', 1) };
}

/**
 * Non-zero only when a workload truly failed, so Cloud Run retries the task for real
 * failures and not for a held (stale, frozen) workload, which is a decision, not a failure.
 */
export function jobExitCode(results: readonly RunOnceResult[]): number {
  return results.some((r) => !r.ok) ? 1 : 0;
}
