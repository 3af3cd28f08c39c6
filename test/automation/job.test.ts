import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jobExitCode, shardWorkloads, taskFromEnv } from '../../automation/modes/job';
import type { RunOnceResult } from '../../automation/modes/run-once';

describe('shardWorkloads', () => {
  it('GIVEN five workloads and two tasks WHEN sharded THEN names are sorted and dealt round-robin', () => {
    const names = ['web', 'api', 'worker', 'batch', 'cron'];
    assert.deepEqual(shardWorkloads(names, 0, 2), ['api', 'cron', 'worker']);
    assert.deepEqual(shardWorkloads(names, 1, 2), ['batch', 'web']);
  });

  it('GIVEN any names and task count WHEN sharded THEN every name is in exactly one shard, sizes differ by at most one, and order of input does not matter', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (names, count) => {
        const shards = Array.from({ length: count }, (_, i) => shardWorkloads(names, i, count));
        const all = shards.flat().sort();
        assert.deepEqual(all, [...names].sort());
        const sizes = shards.map((s) => s.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        const reversed = Array.from({ length: count }, (_, i) => shardWorkloads([...names].reverse(), i, count));
        assert.deepEqual(reversed, shards);
      }),
    );
  });

  it('GIVEN an index outside the task count WHEN sharded THEN the error names CLOUD_RUN_TASK_INDEX and the range', () => {
    assert.throws(() => shardWorkloads(['a'], 3, 3), /CLOUD_RUN_TASK_INDEX: expected a whole number in 0\.\.2, got 3/);
    assert.throws(() => shardWorkloads(['a'], 0, 0), /CLOUD_RUN_TASK_COUNT/);
  });
});

describe('taskFromEnv', () => {
  it('GIVEN no Cloud Run variables WHEN read THEN it is task 0 of 1', () => {
    assert.deepEqual(taskFromEnv({}), { index: 0, count: 1 });
  });

  it('GIVEN Cloud Run variables WHEN read THEN they are numbers', () => {
    assert.deepEqual(taskFromEnv({ CLOUD_RUN_TASK_INDEX: '2', CLOUD_RUN_TASK_COUNT: '4' }), { index: 2, count: 4 });
  });

  it('GIVEN a non-number WHEN read THEN the error names the variable', () => {
    assert.throws(() => taskFromEnv({ CLOUD_RUN_TASK_COUNT: 'four' }), /CLOUD_RUN_TASK_COUNT: expected a whole number, got "four"/);
  });
});

describe('jobExitCode', () => {
  const result = (ok: boolean, codes: string[] = []): RunOnceResult => ({ workload: 'w', ok, applied: false, changes: [], warnings: [], decisions: codes.map((code) => ({ workload: 'w', code, message: '', numbers: {} })) });

  it('GIVEN held and applied workloads WHEN the job ends THEN it exits 0', () => {
    assert.equal(jobExitCode([result(true, ['hold.stale-forecast']), result(true)]), 0);
  });

  it('GIVEN one failed workload WHEN the job ends THEN it exits 1', () => {
    assert.equal(jobExitCode([result(true), result(false)]), 1);
  });
});
